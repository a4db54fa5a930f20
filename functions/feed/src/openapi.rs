use utoipa::OpenApi;

use crate::handlers;

#[derive(OpenApi)]
#[openapi(
    paths(
        handlers::create_post,
        handlers::get_post,
        handlers::update_post,
        handlers::delete_post,
        handlers::like,
        handlers::unlike,
        handlers::create_comment,
        handlers::list_comments,
        handlers::delete_comment,
        handlers::home,
        handlers::user_posts,
        handlers::public,
    ),
    tags((name = "feed", description = "Posts, comments, likes and timelines"))
)]
pub struct FeedApi;
