import type { User } from './session';
export type { User };

export interface Post {
  id: string;
  author: User;
  content: string;
  mediaUrl: string | null;
  media?: { id: string; url: string | null; thumbnailUrl?: string | null; width?: number | null; height?: number | null; contentType?: string } | null;
  likeCount: number;
  commentCount: number;
  likedByMe: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Comment {
  id: string;
  postId: string;
  author: User;
  content: string;
  createdAt: string;
}

export type Actor = Pick<User, 'id' | 'username' | 'displayName' | 'avatarUrl'>;

export interface Notification {
  id: string;
  type: 'follow' | 'like' | 'comment' | 'mention' | 'message' | 'order';
  actors: Actor[];
  actorCount: number;
  subjectId: string | null;
  read: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Message {
  id: string;
  conversationId: string;
  senderId: string;
  body: string;
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
}

export interface Conversation {
  id: string;
  kind: 'direct' | 'group';
  name: string | null;
  members: User[];
  lastMessage: Message | null;
  unreadCount: number;
  updatedAt: string;
}

export interface Money {
  amount: string;
  currency: string;
}

export interface Item {
  id: string;
  seller: User;
  title: string;
  description: string;
  price: Money;
  status: 'draft' | 'active' | 'archived';
  copiesLeft: number | null;
  salesCount: number;
  fileName: string | null;
  fileSize: number | null;
  preview: { url: string | null; thumbnailUrl?: string | null; width?: number | null; height?: number | null } | null;
  createdAt: string;
  updatedAt: string;
}

export type OrderStatus = 'pending' | 'paid' | 'shipped' | 'completed' | 'cancelled' | 'refunded';

export interface Order {
  id: string;
  item: { id: string; title: string; price: Money; seller: User };
  buyer: User;
  amount: Money;
  status: OrderStatus;
  history: { status: OrderStatus | string; at: string; reason?: string | null }[];
  payment: { id: string; provider: string; checkoutUrl: string } | null;
  downloadsLeft: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface Upload {
  mediaId: string;
  uploadUrl: string;
  expiresAt: string;
}

export interface Media {
  id: string;
  status: 'pending' | 'ready' | 'rejected' | string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string | null;
  thumbnailUrl: string | null;
  reason: string | null;
}
