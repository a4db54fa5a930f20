/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Which timeline. */
export type TimelineKind =
  /** The people you follow and yourself (signed in). */
  | 'HOME'
  /** Every post. */
  | 'PUBLIC';

export type PostFieldsFragment = { id: string, content: string, mediaUrl: string | null, likeCount: number, commentCount: number, likedByMe: boolean, createdAt: string, updatedAt: string, media: { id: string, url: string | null, thumbnailUrl: string | null, width: number | null, height: number | null, contentType: string } | null, author: { id: string, username: string, displayName: string | null, avatarUrl: string | null, bio: string | null, followersCount: number, followingCount: number, createdAt: string, updatedAt: string } };

export type TimelineQueryVariables = Exact<{
  kind: TimelineKind;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type TimelineQuery = { timeline: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { id: string, content: string, mediaUrl: string | null, likeCount: number, commentCount: number, likedByMe: boolean, createdAt: string, updatedAt: string, media: { id: string, url: string | null, thumbnailUrl: string | null, width: number | null, height: number | null, contentType: string } | null, author: { id: string, username: string, displayName: string | null, avatarUrl: string | null, bio: string | null, followersCount: number, followingCount: number, createdAt: string, updatedAt: string } } }> } };

export type PostPageQueryVariables = Exact<{
  id: string;
}>;


export type PostPageQuery = { post: { id: string, content: string, mediaUrl: string | null, likeCount: number, commentCount: number, likedByMe: boolean, createdAt: string, updatedAt: string, media: { id: string, url: string | null, thumbnailUrl: string | null, width: number | null, height: number | null, contentType: string } | null, author: { id: string, username: string, displayName: string | null, avatarUrl: string | null, bio: string | null, followersCount: number, followingCount: number, createdAt: string, updatedAt: string } } };

export type CommentsQueryVariables = Exact<{
  postId: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type CommentsQuery = { comments: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, postId: string, content: string, createdAt: string, author: { id: string, username: string, displayName: string | null, avatarUrl: string | null, bio: string | null, followersCount: number, followingCount: number, createdAt: string, updatedAt: string } } }> } };

export type ProfileQueryVariables = Exact<{
  id: string;
}>;


export type ProfileQuery = { user: { id: string, username: string, displayName: string | null, bio: string | null, avatarUrl: string | null, followersCount: number, followingCount: number, createdAt: string, updatedAt: string, followedByMe: boolean } };

export type UserPostsQueryVariables = Exact<{
  id: string;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type UserPostsQuery = { user: { id: string, posts: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, content: string, mediaUrl: string | null, likeCount: number, commentCount: number, likedByMe: boolean, createdAt: string, updatedAt: string, media: { id: string, url: string | null, thumbnailUrl: string | null, width: number | null, height: number | null, contentType: string } | null, author: { id: string, username: string, displayName: string | null, avatarUrl: string | null, bio: string | null, followersCount: number, followingCount: number, createdAt: string, updatedAt: string } } }> } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const PostFieldsFragmentDoc = new TypedDocumentString(`
    fragment PostFields on Post {
  id
  content
  mediaUrl
  media {
    id
    url
    thumbnailUrl
    width
    height
    contentType
  }
  likeCount
  commentCount
  likedByMe
  createdAt
  updatedAt
  author {
    id
    username
    displayName
    avatarUrl
    bio
    followersCount
    followingCount
    createdAt
    updatedAt
  }
}
    `, {"fragmentName":"PostFields"}) as unknown as TypedDocumentString<PostFieldsFragment, unknown>;
export const TimelineDocument = new TypedDocumentString(`
    query Timeline($kind: TimelineKind!, $first: Int, $after: String) {
  timeline(kind: $kind, first: $first, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        ...PostFields
      }
    }
  }
}
    fragment PostFields on Post {
  id
  content
  mediaUrl
  media {
    id
    url
    thumbnailUrl
    width
    height
    contentType
  }
  likeCount
  commentCount
  likedByMe
  createdAt
  updatedAt
  author {
    id
    username
    displayName
    avatarUrl
    bio
    followersCount
    followingCount
    createdAt
    updatedAt
  }
}`) as unknown as TypedDocumentString<TimelineQuery, TimelineQueryVariables>;
export const PostPageDocument = new TypedDocumentString(`
    query PostPage($id: ID!) {
  post(id: $id) {
    ...PostFields
  }
}
    fragment PostFields on Post {
  id
  content
  mediaUrl
  media {
    id
    url
    thumbnailUrl
    width
    height
    contentType
  }
  likeCount
  commentCount
  likedByMe
  createdAt
  updatedAt
  author {
    id
    username
    displayName
    avatarUrl
    bio
    followersCount
    followingCount
    createdAt
    updatedAt
  }
}`) as unknown as TypedDocumentString<PostPageQuery, PostPageQueryVariables>;
export const CommentsDocument = new TypedDocumentString(`
    query Comments($postId: ID!, $first: Int, $after: String) {
  comments(postId: $postId, first: $first, after: $after) {
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        id
        postId
        content
        createdAt
        author {
          id
          username
          displayName
          avatarUrl
          bio
          followersCount
          followingCount
          createdAt
          updatedAt
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CommentsQuery, CommentsQueryVariables>;
export const ProfileDocument = new TypedDocumentString(`
    query Profile($id: ID!) {
  user(id: $id) {
    id
    username
    displayName
    bio
    avatarUrl
    followersCount
    followingCount
    createdAt
    updatedAt
    followedByMe
  }
}
    `) as unknown as TypedDocumentString<ProfileQuery, ProfileQueryVariables>;
export const UserPostsDocument = new TypedDocumentString(`
    query UserPosts($id: ID!, $first: Int, $after: String) {
  user(id: $id) {
    id
    posts(first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          ...PostFields
        }
      }
    }
  }
}
    fragment PostFields on Post {
  id
  content
  mediaUrl
  media {
    id
    url
    thumbnailUrl
    width
    height
    contentType
  }
  likeCount
  commentCount
  likedByMe
  createdAt
  updatedAt
  author {
    id
    username
    displayName
    avatarUrl
    bio
    followersCount
    followingCount
    createdAt
    updatedAt
  }
}`) as unknown as TypedDocumentString<UserPostsQuery, UserPostsQueryVariables>;