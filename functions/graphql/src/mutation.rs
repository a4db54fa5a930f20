//! The mutations: every user action, each the same service code as its REST route.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, ID};
use serde_json::{json, Map, Value};

use crate::{
    invoke::{problem_error, service_error, Call},
    query::{get_user, load_post, services, uuid, Post},
    types::*,
    viewer::viewer,
};

/// What `updateProfile` changes: only the fields given (null clears a nullable one).
#[derive(Debug, InputObject)]
pub struct UpdateProfileInput {
    pub username: Option<String>,
    pub email: Option<String>,
    /// A new password needs `currentPassword`.
    pub password: Option<String>,
    pub current_password: Option<String>,
    pub display_name: MaybeUndefined<String>,
    pub bio: MaybeUndefined<String>,
    /// An http(s) URL.
    pub avatar_url: MaybeUndefined<String>,
    /// One of your uploads (purpose `AVATAR` or `POST`) that is ready: its URL becomes the avatar.
    pub avatar_media_id: Option<ID>,
}

/// A new listing.
#[derive(Debug, InputObject)]
pub struct CreateItemInput {
    pub title: String,
    #[graphql(default)]
    pub description: String,
    pub price: MoneyInput,
    /// Your ready upload of purpose `ITEM_FILE`.
    pub file_media_id: ID,
    /// Your ready upload of purpose `ITEM_PREVIEW`.
    pub preview_media_id: Option<ID>,
    /// Null: unlimited.
    pub copies: Option<i64>,
    /// `draft` or `active` (default).
    pub status: Option<String>,
}

/// What `updateItem` changes: only the fields given (null clears a nullable one).
#[derive(Debug, InputObject)]
pub struct UpdateItemInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub price: Option<MoneyInput>,
    pub preview_media_id: MaybeUndefined<ID>,
    pub copies: MaybeUndefined<i64>,
    /// `draft`, `active` or `archived`.
    pub status: Option<String>,
}

fn put<T: serde::Serialize>(body: &mut Map<String, Value>, name: &str, value: Option<T>) {
    if let Some(v) = value {
        body.insert(name.to_string(), json!(v));
    }
}

fn put_maybe<T: serde::Serialize>(body: &mut Map<String, Value>, name: &str, value: MaybeUndefined<T>) {
    match value {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            body.insert(name.to_string(), Value::Null);
        }
        MaybeUndefined::Value(v) => {
            body.insert(name.to_string(), json!(v));
        }
    }
}

/// The URL of the caller's ready upload `id`, for their avatar (read from the media read
/// model; the user service stores the URL).
async fn avatar_url(ctx: &Context<'_>, me: uuid::Uuid, id: &ID) -> Result<String> {
    let id = uuid("avatarMediaId", id)?;
    let feed = &services(ctx).feed;
    let client = feed.db.get().await.map_err(|e| service_error(feed::FeedError::from(e)))?;
    let file = cs_readmodel::media_by_id(&client, id).await.map_err(|e| service_error(feed::FeedError::from(e)))?;
    drop(client);
    let refuse = || {
        problem_error(
            422,
            "invalid_field",
            "avatarMediaId must be one of your image uploads (purpose avatar or post) that is ready",
            Some("avatarMediaId"),
        )
    };
    let file = file
        .filter(|f| f.owner_id == me && f.status == "ready" && matches!(f.purpose.as_str(), "avatar" | "post"))
        .filter(|f| f.content_type.starts_with("image/"))
        .ok_or_else(refuse)?;
    let view =
        cs_readmodel::media_view(&feed.store, file).await.map_err(|e| service_error(feed::FeedError::Unexpected(e)))?;
    view.url.ok_or_else(refuse)
}

pub struct Mutation;

#[Object]
impl Mutation {
    /// A new account, signed in.
    async fn register(
        &self,
        ctx: &Context<'_>,
        username: String,
        email: String,
        password: String,
    ) -> Result<AuthPayload> {
        Call::new(viewer(ctx), "user-register", "POST", "/users/register")
            .body(json!({ "username": username, "email": email, "password": password }))
            .fetch(&services(ctx).user)
            .await
    }

    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<AuthPayload> {
        Call::new(viewer(ctx), "user-login", "POST", "/users/login")
            .body(json!({ "email": email, "password": password }))
            .fetch(&services(ctx).user)
            .await
    }

    /// New tokens for a refresh token (which is spent: use the new one next time).
    async fn refresh(&self, ctx: &Context<'_>, refresh_token: String) -> Result<TokenPayload> {
        Call::new(viewer(ctx), "auth-refresh", "POST", "/auth/refresh")
            .body(json!({ "refreshToken": refresh_token }))
            .fetch(&services(ctx).user)
            .await
    }

    /// Ends the session of this refresh token.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        Call::new(viewer(ctx), "auth-logout", "POST", "/auth/logout")
            .body(json!({ "refreshToken": refresh_token }))
            .send(&services(ctx).user)
            .await?;
        Ok(true)
    }

    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> Result<User> {
        let me = viewer(ctx).require()?;
        let mut body = Map::new();
        put(&mut body, "username", input.username);
        put(&mut body, "email", input.email);
        put(&mut body, "password", input.password);
        put(&mut body, "currentPassword", input.current_password);
        put_maybe(&mut body, "displayName", input.display_name);
        put_maybe(&mut body, "bio", input.bio);
        put_maybe(&mut body, "avatarUrl", input.avatar_url);
        if let Some(id) = &input.avatar_media_id {
            body.insert("avatarUrl".into(), json!(avatar_url(ctx, me, id).await?));
        }
        Call::new(viewer(ctx), "user-update", "PUT", format!("/users/{me}"))
            .param("userId", me.to_string())
            .body(Value::Object(body))
            .fetch(&services(ctx).user)
            .await
    }

    /// Follows a user; answers them (with the new follower count).
    async fn follow(&self, ctx: &Context<'_>, user_id: ID) -> Result<User> {
        follow_edge(ctx, "user-follow", "/users/follow", &user_id).await
    }

    async fn unfollow(&self, ctx: &Context<'_>, user_id: ID) -> Result<User> {
        follow_edge(ctx, "user-unfollow", "/users/unfollow", &user_id).await
    }

    async fn block(&self, ctx: &Context<'_>, user_id: ID) -> Result<bool> {
        Call::new(viewer(ctx), "user-block", "POST", "/users/block")
            .body(json!({ "userId": user_id.as_str() }))
            .send(&services(ctx).user)
            .await?;
        Ok(true)
    }

    async fn unblock(&self, ctx: &Context<'_>, user_id: ID) -> Result<bool> {
        Call::new(viewer(ctx), "user-unblock", "POST", "/users/unblock")
            .body(json!({ "userId": user_id.as_str() }))
            .send(&services(ctx).user)
            .await?;
        Ok(true)
    }

    async fn create_post(&self, ctx: &Context<'_>, content: String, media_id: Option<ID>) -> Result<Post> {
        let mut body = json!({ "content": content });
        if let Some(id) = media_id {
            body["mediaId"] = json!(id.0);
        }
        let created: IdOnly =
            Call::new(viewer(ctx), "feed-create-post", "POST", "/posts").body(body).fetch(&services(ctx).feed).await?;
        load_post(ctx, uuid("id", &created.id)?).await
    }

    async fn edit_post(&self, ctx: &Context<'_>, id: ID, content: String) -> Result<Post> {
        Call::new(viewer(ctx), "feed-update-post", "PUT", format!("/posts/{}", id.as_str()))
            .param("id", id.as_str())
            .body(json!({ "content": content }))
            .send(&services(ctx).feed)
            .await?;
        load_post(ctx, uuid("id", &id)?).await
    }

    /// Deletes your post; answers its id.
    async fn delete_post(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        Call::new(viewer(ctx), "feed-delete-post", "DELETE", format!("/posts/{}", id.as_str()))
            .param("id", id.as_str())
            .send(&services(ctx).feed)
            .await?;
        Ok(id)
    }

    /// Likes a post (also when already liked); answers it with its new like state.
    async fn like(&self, ctx: &Context<'_>, post_id: ID) -> Result<Post> {
        like_call(ctx, "feed-like", "POST", &post_id).await
    }

    async fn unlike(&self, ctx: &Context<'_>, post_id: ID) -> Result<Post> {
        like_call(ctx, "feed-unlike", "DELETE", &post_id).await
    }

    async fn comment(&self, ctx: &Context<'_>, post_id: ID, content: String) -> Result<Comment> {
        Call::new(viewer(ctx), "feed-create-comment", "POST", format!("/posts/{}/comments", post_id.as_str()))
            .param("id", post_id.as_str())
            .body(json!({ "content": content }))
            .fetch(&services(ctx).feed)
            .await
    }

    /// Deletes a comment (yours, or one on your post); answers its id.
    async fn delete_comment(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        Call::new(viewer(ctx), "feed-delete-comment", "DELETE", format!("/comments/{}", id.as_str()))
            .param("id", id.as_str())
            .send(&services(ctx).feed)
            .await?;
        Ok(id)
    }

    /// Where to PUT a new upload (presigned; `purpose` defaults to `POST`).
    async fn create_upload(
        &self,
        ctx: &Context<'_>,
        content_type: String,
        size: i64,
        purpose: Option<UploadPurpose>,
    ) -> Result<UploadTicket> {
        let purpose = purpose.unwrap_or(UploadPurpose::Post).wire();
        Call::new(viewer(ctx), "media-create-upload", "POST", "/media/uploads")
            .body(json!({ "contentType": content_type, "size": size, "purpose": purpose }))
            .fetch(services(ctx).media()?)
            .await
    }

    /// A conversation with these users (a direct one with one other user is reused).
    async fn create_conversation(
        &self,
        ctx: &Context<'_>,
        member_ids: Vec<ID>,
        name: Option<String>,
    ) -> Result<Conversation> {
        let ids: Vec<&str> = member_ids.iter().map(|i| i.as_str()).collect();
        Call::new(viewer(ctx), "chat-create-conversation", "POST", "/conversations")
            .body(json!({ "memberIds": ids, "name": name }))
            .fetch(services(ctx).chat()?)
            .await
    }

    /// Sends a message (`clientId` makes a retry idempotent).
    async fn send_message(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
        body: String,
        client_id: Option<String>,
    ) -> Result<Message> {
        let path = format!("/conversations/{}/messages", conversation_id.as_str());
        Call::new(viewer(ctx), "chat-send", "POST", path)
            .param("conversationId", conversation_id.as_str())
            .body(json!({ "body": body, "clientId": client_id }))
            .fetch(services(ctx).chat()?)
            .await
    }

    /// Moves your read marker to `messageId` (default: the newest message).
    async fn mark_conversation_read(
        &self,
        ctx: &Context<'_>,
        conversation_id: ID,
        message_id: Option<ID>,
    ) -> Result<ReadReceipt> {
        let path = format!("/conversations/{}/read", conversation_id.as_str());
        let mut body = json!({});
        if let Some(m) = message_id {
            body["messageId"] = json!(m.0);
        }
        Call::new(viewer(ctx), "chat-read", "POST", path)
            .param("conversationId", conversation_id.as_str())
            .body(body)
            .fetch(services(ctx).chat()?)
            .await
    }

    /// Marks these notifications (or `all`) read; answers how many changed.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Option<Vec<ID>>, all: Option<bool>) -> Result<i64> {
        let mut body = json!({});
        if let Some(ids) = ids {
            body["ids"] = json!(ids.iter().map(|i| i.as_str()).collect::<Vec<_>>());
        }
        if let Some(all) = all {
            body["all"] = json!(all);
        }
        #[derive(serde::Deserialize)]
        struct Updated {
            updated: i64,
        }
        let u: Updated = Call::new(viewer(ctx), "notify-mark-read", "POST", "/notifications/read")
            .body(body)
            .fetch(services(ctx).notify()?)
            .await?;
        Ok(u.updated)
    }

    async fn create_item(&self, ctx: &Context<'_>, input: CreateItemInput) -> Result<Item> {
        let mut body = Map::new();
        body.insert("title".into(), json!(input.title));
        body.insert("description".into(), json!(input.description));
        body.insert("price".into(), json!(input.price));
        body.insert("fileMediaId".into(), json!(input.file_media_id.0));
        put(&mut body, "previewMediaId", input.preview_media_id.map(|i| i.0));
        put(&mut body, "copies", input.copies);
        put(&mut body, "status", input.status);
        Call::new(viewer(ctx), "market-create-item", "POST", "/items")
            .body(Value::Object(body))
            .fetch(services(ctx).market()?)
            .await
    }

    async fn update_item(&self, ctx: &Context<'_>, id: ID, input: UpdateItemInput) -> Result<Item> {
        let mut body = Map::new();
        put(&mut body, "title", input.title);
        put(&mut body, "description", input.description);
        put(&mut body, "price", input.price);
        put_maybe(&mut body, "previewMediaId", input.preview_media_id.map_value(|i| i.0));
        put_maybe(&mut body, "copies", input.copies);
        put(&mut body, "status", input.status);
        Call::new(viewer(ctx), "market-update-item", "PATCH", format!("/items/{}", id.as_str()))
            .param("id", id.as_str())
            .body(Value::Object(body))
            .fetch(services(ctx).market()?)
            .await
    }

    /// Archives your item (what was bought stays downloadable); answers its id.
    async fn archive_item(&self, ctx: &Context<'_>, id: ID) -> Result<ID> {
        Call::new(viewer(ctx), "market-archive-item", "DELETE", format!("/items/{}", id.as_str()))
            .param("id", id.as_str())
            .send(services(ctx).market()?)
            .await?;
        Ok(id)
    }

    /// Orders an item. The same `idempotencyKey` with the same item answers the same order.
    async fn create_order(&self, ctx: &Context<'_>, item_id: ID, idempotency_key: String) -> Result<Order> {
        Call::new(viewer(ctx), "market-create-order", "POST", "/orders")
            .header("idempotency-key", idempotency_key)
            .body(json!({ "itemId": item_id.as_str() }))
            .fetch(services(ctx).market()?)
            .await
            .map_err(|e| rename_field(e, "Idempotency-Key", "idempotencyKey"))
    }

    /// Cancels your pending order.
    async fn cancel_order(&self, ctx: &Context<'_>, id: ID) -> Result<Order> {
        Call::new(viewer(ctx), "market-cancel-order", "POST", format!("/orders/{}/cancel", id.as_str()))
            .param("id", id.as_str())
            .fetch(services(ctx).market()?)
            .await
    }

    /// Refunds an order of your item (ends the buyer's access).
    async fn refund_order(&self, ctx: &Context<'_>, id: ID, reason: Option<String>) -> Result<Order> {
        Call::new(viewer(ctx), "market-refund-order", "POST", format!("/orders/{}/refund", id.as_str()))
            .param("id", id.as_str())
            .body(json!({ "reason": reason }))
            .fetch(services(ctx).market()?)
            .await
    }

    /// An expiring link to the file of your paid order (counts as one download).
    async fn order_download(&self, ctx: &Context<'_>, id: ID) -> Result<Download> {
        Call::new(viewer(ctx), "market-download", "GET", format!("/orders/{}/download", id.as_str()))
            .param("id", id.as_str())
            .fetch(services(ctx).market()?)
            .await
    }
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: ID,
}

async fn follow_edge(ctx: &Context<'_>, function: &'static str, path: &'static str, user: &ID) -> Result<User> {
    let me = viewer(ctx).require()?;
    Call::new(viewer(ctx), function, "POST", path)
        .body(json!({ "followerId": me.to_string(), "followingId": user.as_str() }))
        .send(&services(ctx).user)
        .await
        .map_err(|e| rename_field(e, "followingId", "userId"))?;
    get_user(ctx, user).await
}

async fn like_call(ctx: &Context<'_>, function: &'static str, method: &'static str, post: &ID) -> Result<Post> {
    Call::new(viewer(ctx), function, method, format!("/posts/{}/like", post.as_str()))
        .param("id", post.as_str())
        .send(&services(ctx).feed)
        .await
        .map_err(|e| rename_field(e, "id", "postId"))?;
    load_post(ctx, uuid("postId", post)?).await
}

/// A REST field name as the mutation's argument is called.
fn rename_field(mut err: async_graphql::Error, from: &str, to: &str) -> async_graphql::Error {
    if let Some(ext) = err.extensions.as_mut() {
        if ext.get("field") == Some(&async_graphql::Value::from(from)) {
            ext.set("field", to);
        }
    }
    err
}
