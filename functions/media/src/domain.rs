//! What may be uploaded, and what a file really is.

/// Every content type an upload may declare, and whether it is an image.
pub const ALLOWED: &[(&str, bool)] = &[
    ("image/jpeg", true),
    ("image/png", true),
    ("image/webp", true),
    ("image/gif", true),
    ("video/mp4", false),
    ("video/webm", false),
];

/// What a file sold in the marketplace may be (besides the images and videos above).
pub const ITEM_FILE_TYPES: &[&str] =
    &["application/pdf", "application/zip", "application/epub+zip", "audio/mpeg", "audio/flac"];

/// What an upload is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Post,
    Avatar,
    /// A file sold in the marketplace: private, in the item-files bucket.
    ItemFile,
    ItemPreview,
}

impl Purpose {
    pub fn parse(raw: Option<&str>) -> Option<Purpose> {
        match raw.unwrap_or("post") {
            "post" => Some(Purpose::Post),
            "avatar" => Some(Purpose::Avatar),
            "item_file" => Some(Purpose::ItemFile),
            "item_preview" => Some(Purpose::ItemPreview),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Post => "post",
            Purpose::Avatar => "avatar",
            Purpose::ItemFile => "item_file",
            Purpose::ItemPreview => "item_preview",
        }
    }
}

/// Upload limits, from `MEDIA_MAX_IMAGE_BYTES`, `MEDIA_MAX_VIDEO_BYTES` and
/// `MEDIA_MAX_ITEM_FILE_BYTES`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub image: i64,
    pub video: i64,
    pub item_file: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { image: 10 * 1024 * 1024, video: 200 * 1024 * 1024, item_file: 500 * 1024 * 1024 }
    }
}

impl Limits {
    pub fn from_env() -> Self {
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.parse().ok());
        let d = Self::default();
        Limits {
            image: num("MEDIA_MAX_IMAGE_BYTES").unwrap_or(d.image),
            video: num("MEDIA_MAX_VIDEO_BYTES").unwrap_or(d.video),
            item_file: num("MEDIA_MAX_ITEM_FILE_BYTES").unwrap_or(d.item_file),
        }
    }

    /// The largest upload of `content_type` for `purpose`; `None` if the type is not allowed.
    pub fn max_for_purpose(&self, purpose: Purpose, content_type: &str) -> Option<i64> {
        match purpose {
            Purpose::ItemFile => (ITEM_FILE_TYPES.contains(&content_type)
                || ALLOWED.iter().any(|(t, _)| *t == content_type))
            .then_some(self.item_file),
            _ => self.max_for(content_type),
        }
    }

    pub fn max_for(&self, content_type: &str) -> Option<i64> {
        ALLOWED.iter().find(|(t, _)| *t == content_type).map(|(_, image)| if *image { self.image } else { self.video })
    }
}

pub fn is_image(content_type: &str) -> bool {
    ALLOWED.iter().any(|(t, image)| *t == content_type && *image)
}

/// The content type the file's first bytes say it is (its magic number).
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| head.len() >= magic.len() && &head[..magic.len()] == magic;
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if starts(b"RIFF") && head.len() >= 12 && &head[8..12] == b"WEBP" {
        Some("image/webp")
    } else if head.len() >= 8 && &head[4..8] == b"ftyp" {
        Some("video/mp4")
    } else if starts(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("video/webm")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else if starts(b"PK\x03\x04") {
        // An EPUB is a zip whose first entry is the uncompressed `mimetype` file.
        if head.len() >= 58 && &head[30..38] == b"mimetype" && &head[38..58] == b"application/epub+zip" {
            Some("application/epub+zip")
        } else {
            Some("application/zip")
        }
    } else if starts(b"fLaC") {
        Some("audio/flac")
    } else if starts(b"ID3") || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0) {
        Some("audio/mpeg")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"GIF89a.."), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom"), Some("video/mp4"));
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 1]), Some("video/webm"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"PK\x03\x04rest"), Some("application/zip"));
        let mut epub = b"PK\x03\x04".to_vec();
        epub.resize(30, 0);
        epub.extend_from_slice(b"mimetypeapplication/epub+zip");
        assert_eq!(sniff(&epub), Some("application/epub+zip"));
        assert_eq!(sniff(b"fLaC\0\0"), Some("audio/flac"));
        assert_eq!(sniff(b"ID3\x04\0"), Some("audio/mpeg"));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90]), Some("audio/mpeg"));
        assert_eq!(sniff(b"hello, I am text"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn limits_by_kind() {
        let l = Limits::default();
        assert_eq!(l.max_for("image/png"), Some(10 * 1024 * 1024));
        assert_eq!(l.max_for("video/mp4"), Some(200 * 1024 * 1024));
        assert_eq!(l.max_for("application/pdf"), None);
        assert!(is_image("image/gif") && !is_image("video/webm"));
        assert_eq!(l.max_for_purpose(Purpose::ItemFile, "application/pdf"), Some(500 * 1024 * 1024));
        assert_eq!(l.max_for_purpose(Purpose::ItemFile, "video/mp4"), Some(500 * 1024 * 1024));
        assert_eq!(l.max_for_purpose(Purpose::ItemFile, "text/plain"), None);
        assert_eq!(l.max_for_purpose(Purpose::Post, "application/pdf"), None);
        assert_eq!(Purpose::parse(None), Some(Purpose::Post));
        assert_eq!(Purpose::parse(Some("item_file")), Some(Purpose::ItemFile));
        assert_eq!(Purpose::parse(Some("other")), None);
    }
}
