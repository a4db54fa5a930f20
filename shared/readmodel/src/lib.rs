//! The read models: what any service may know of data another service owns, read through
//! views that the owning service keeps (its migrations define them and grant them to every
//! service role) and by column name, so a new column breaks nothing. None holds a secret:
//! no password hash, no email.
//!
//! | view              | owner | columns |
//! | ---               | ---   | ---     |
//! | `user_summaries`  | user  | id, username, display_name, bio, avatar_url, followers_count, following_count, created_at, updated_at |
//! | `user_follows`    | user  | user_id, follower_id, created_at |
//! | `user_blocks`     | user  | blocker_id, blocked_id |
//! | `media_files`     | media | id, owner_id, object_key, content_type, declared_size, size, width, height, thumbnail_key, status, reason, created_at, purpose |

mod media;
mod user;

pub use media::{media_by_id, media_by_ids, media_view, MediaFile, MediaView, MEDIA_URL_TTL};
pub use user::{blocked_between, UserSummary};
