// The GraphQL reads behind the feed pages, typed by graphql-codegen (src/gql).
import type { AnyVariables } from 'urql';
import { graphql } from '../gql';
import type { TypedDocumentString } from '../gql/graphql';
import type { Page } from './api';
import { ApiError } from './api';
import { gqlClient } from './gql';
import type { Comment, Post, User } from './types';

const PostFields = graphql(`
  fragment PostFields on Post {
    id
    content
    mediaUrl
    media { id url thumbnailUrl width height contentType }
    likeCount
    commentCount
    likedByMe
    createdAt
    updatedAt
    author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt }
  }
`);
void PostFields;

export const TimelineQuery = graphql(`
  query Timeline($kind: TimelineKind!, $first: Int, $after: String) {
    timeline(kind: $kind, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...PostFields } }
    }
  }
`);

export const PostQuery = graphql(`
  query PostPage($id: ID!) {
    post(id: $id) { ...PostFields }
  }
`);

export const CommentsQuery = graphql(`
  query Comments($postId: ID!, $first: Int, $after: String) {
    comments(postId: $postId, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id postId content createdAt author { id username displayName avatarUrl bio followersCount followingCount createdAt updatedAt } } }
    }
  }
`);

export const UserQuery = graphql(`
  query Profile($id: ID!) {
    user(id: $id) { id username displayName bio avatarUrl followersCount followingCount createdAt updatedAt followedByMe }
  }
`);

export const UserPostsQuery = graphql(`
  query UserPosts($id: ID!, $first: Int, $after: String) {
    user(id: $id) {
      id
      posts(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { ...PostFields } }
      }
    }
  }
`);

/** A GraphQL error as the ApiError the pages already show (the same `code` as REST). */
function toApiError(error: { graphQLErrors: { message: string; extensions?: Record<string, unknown> }[]; networkError?: Error; response?: { status?: number } }): ApiError {
  const first = error.graphQLErrors[0];
  if (!first) return new ApiError(0, 'offline', 'Could not reach ConnectSphere. Check your connection and try again.');
  const code = String(first.extensions?.code ?? 'error');
  const status = Number(first.extensions?.status ?? (code.endsWith('not_found') ? 404 : code === 'unauthorized' ? 401 : 400));
  const field = first.extensions?.field;
  return new ApiError(status, code, first.message, typeof field === 'string' ? field : undefined);
}

async function run<D, V extends AnyVariables>(doc: TypedDocumentString<D, V>, vars: V): Promise<D> {
  const r = await gqlClient.query<D, V>(doc.toString(), vars, { requestPolicy: 'network-only' }).toPromise();
  if (r.error) throw toApiError(r.error as never);
  if (!r.data) throw new ApiError(0, 'offline', 'No answer from ConnectSphere. Try again.');
  return r.data;
}

type Conn<T> = { pageInfo: { hasNextPage: boolean; endCursor?: string | null }; edges: { node: T }[] };
const page = <T, R = T>(c: Conn<T>, map: (t: T) => R = (t) => t as unknown as R): Page<R> => ({
  items: c.edges.map((e) => map(e.node)),
  nextCursor: c.pageInfo.hasNextPage ? (c.pageInfo.endCursor ?? null) : null,
});

export const gql = {
  timeline: async (kind: 'HOME' | 'PUBLIC', after: string | null, first = 20): Promise<Page<Post>> =>
    page((await run(TimelineQuery, { kind, first, after })).timeline) as Page<Post>,
  post: async (id: string): Promise<Post> => (await run(PostQuery, { id })).post as Post,
  comments: async (postId: string, after: string | null): Promise<Page<Comment>> =>
    page((await run(CommentsQuery, { postId, first: 20, after })).comments) as Page<Comment>,
  user: async (id: string): Promise<User & { followedByMe: boolean }> => (await run(UserQuery, { id })).user as User & { followedByMe: boolean },
  userPosts: async (id: string, after: string | null): Promise<Page<Post>> =>
    page((await run(UserPostsQuery, { id, first: 20, after })).user.posts) as Page<Post>,
};
