/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment PostFields on Post {\n    id\n    content\n    mediaUrl\n    media { id url thumbnailUrl width height contentType }\n    likeCount\n    commentCount\n    likedByMe\n    createdAt\n    updatedAt\n    author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt }\n  }\n": typeof types.PostFieldsFragmentDoc,
    "\n  query Timeline($kind: TimelineKind!, $first: Int, $after: String) {\n    timeline(kind: $kind, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { ...PostFields } }\n    }\n  }\n": typeof types.TimelineDocument,
    "\n  query PostPage($id: ID!) {\n    post(id: $id) { ...PostFields }\n  }\n": typeof types.PostPageDocument,
    "\n  query Comments($postId: ID!, $first: Int, $after: String) {\n    comments(postId: $postId, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id postId content createdAt author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt } } }\n    }\n  }\n": typeof types.CommentsDocument,
    "\n  query Profile($id: ID!) {\n    user(id: $id) { id username displayName bio avatarUrl followersCount followingCount createdAt updatedAt followedByMe }\n  }\n": typeof types.ProfileDocument,
    "\n  query UserPosts($id: ID!, $first: Int, $after: String) {\n    user(id: $id) {\n      id\n      posts(first: $first, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges { node { ...PostFields } }\n      }\n    }\n  }\n": typeof types.UserPostsDocument,
};
const documents: Documents = {
    "\n  fragment PostFields on Post {\n    id\n    content\n    mediaUrl\n    media { id url thumbnailUrl width height contentType }\n    likeCount\n    commentCount\n    likedByMe\n    createdAt\n    updatedAt\n    author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt }\n  }\n": types.PostFieldsFragmentDoc,
    "\n  query Timeline($kind: TimelineKind!, $first: Int, $after: String) {\n    timeline(kind: $kind, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { ...PostFields } }\n    }\n  }\n": types.TimelineDocument,
    "\n  query PostPage($id: ID!) {\n    post(id: $id) { ...PostFields }\n  }\n": types.PostPageDocument,
    "\n  query Comments($postId: ID!, $first: Int, $after: String) {\n    comments(postId: $postId, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id postId content createdAt author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt } } }\n    }\n  }\n": types.CommentsDocument,
    "\n  query Profile($id: ID!) {\n    user(id: $id) { id username displayName bio avatarUrl followersCount followingCount createdAt updatedAt followedByMe }\n  }\n": types.ProfileDocument,
    "\n  query UserPosts($id: ID!, $first: Int, $after: String) {\n    user(id: $id) {\n      id\n      posts(first: $first, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges { node { ...PostFields } }\n      }\n    }\n  }\n": types.UserPostsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PostFields on Post {\n    id\n    content\n    mediaUrl\n    media { id url thumbnailUrl width height contentType }\n    likeCount\n    commentCount\n    likedByMe\n    createdAt\n    updatedAt\n    author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt }\n  }\n"): typeof import('./graphql').PostFieldsFragmentDoc;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Timeline($kind: TimelineKind!, $first: Int, $after: String) {\n    timeline(kind: $kind, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { ...PostFields } }\n    }\n  }\n"): typeof import('./graphql').TimelineDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PostPage($id: ID!) {\n    post(id: $id) { ...PostFields }\n  }\n"): typeof import('./graphql').PostPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Comments($postId: ID!, $first: Int, $after: String) {\n    comments(postId: $postId, first: $first, after: $after) {\n      pageInfo { hasNextPage endCursor }\n      edges { node { id postId content createdAt author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt } } }\n    }\n  }\n"): typeof import('./graphql').CommentsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Profile($id: ID!) {\n    user(id: $id) { id username displayName bio avatarUrl followersCount followingCount createdAt updatedAt followedByMe }\n  }\n"): typeof import('./graphql').ProfileDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserPosts($id: ID!, $first: Int, $after: String) {\n    user(id: $id) {\n      id\n      posts(first: $first, after: $after) {\n        pageInfo { hasNextPage endCursor }\n        edges { node { ...PostFields } }\n      }\n    }\n  }\n"): typeof import('./graphql').UserPostsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
