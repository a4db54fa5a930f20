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
//! | `post_documents`  | feed  | id, author_id, content, media_url, media_id, like_count, comment_count, created_at, updated_at (search only) |
//! | `post_likes`      | feed  | post_id, user_id (search only) |
//! | `item_documents`  | market | id, seller_id, title, description, price, currency, status, copies_left, sales_count, file_name, file_size, preview_media_id, created_at, updated_at (search only) |

mod documents;
mod media;
mod user;

pub use documents::{items_after, items_by_ids, liked_by, posts_after, posts_by_ids, ItemDocument, PostDocument};

pub use media::{media_by_id, media_by_ids, media_view, MediaFile, MediaView, MEDIA_URL_TTL};
pub use user::{blocked_between, users_after, users_by_ids, UserSummary};
