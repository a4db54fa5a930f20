// The REST operations the app uses (docs/api-specs.md), one function each.
import { api, query, type Page } from './api';
import type { User } from './session';
import type { Comment, Conversation, Item, Media, Message, Money, Notification, Order, Post, Upload } from './types';

export interface SessionBody {
  user: User;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

type PageArgs = { cursor?: string | null; limit?: number };

export const rest = {
  register: (b: { username: string; email: string; password: string }) =>
    api<SessionBody>('/users/register', { method: 'POST', json: b }),
  login: (b: { email: string; password: string }) => api<SessionBody>('/users/login', { method: 'POST', json: b }),
  logout: (refreshToken: string) => api<void>('/auth/logout', { method: 'POST', json: { refreshToken } }),
  user: (id: string) => api<User>(`/users/${id}`),
  updateUser: (id: string, b: Record<string, unknown>) => api<User>(`/users/${id}`, { method: 'PUT', json: b }),
  follow: (followerId: string, followingId: string) =>
    api<void>('/users/follow', { method: 'POST', json: { followerId, followingId } }),
  unfollow: (followerId: string, followingId: string) =>
    api<void>('/users/unfollow', { method: 'POST', json: { followerId, followingId } }),
  followers: (id: string, p: PageArgs = {}) => api<Page<User>>(`/users/${id}/followers${query(p)}`),
  following: (id: string, p: PageArgs = {}) => api<Page<User>>(`/users/${id}/following${query(p)}`),
  userPosts: (id: string, p: PageArgs = {}) => api<Page<Post>>(`/users/${id}/posts${query(p)}`),

  homeTimeline: (p: PageArgs = {}) => api<Page<Post>>(`/timeline/home${query(p)}`),
  publicTimeline: (p: PageArgs = {}) => api<Page<Post>>(`/timeline/public${query(p)}`),
  post: (id: string) => api<Post>(`/posts/${id}`),
  createPost: (b: { content: string; mediaId?: string }) => api<Post>('/posts', { method: 'POST', json: b }),
  deletePost: (id: string) => api<void>(`/posts/${id}`, { method: 'DELETE' }),
  like: (id: string) => api<{ likedByMe: boolean; likeCount: number }>(`/posts/${id}/like`, { method: 'POST' }),
  unlike: (id: string) => api<{ likedByMe: boolean; likeCount: number }>(`/posts/${id}/like`, { method: 'DELETE' }),
  comments: (id: string, p: PageArgs = {}) => api<Page<Comment>>(`/posts/${id}/comments${query(p)}`),
  comment: (id: string, content: string) => api<Comment>(`/posts/${id}/comments`, { method: 'POST', json: { content } }),

  createUpload: (b: { contentType: string; size: number; purpose?: string }) =>
    api<Upload>('/media/uploads', { method: 'POST', json: b }),
  media: (id: string) => api<Media>(`/media/${id}`),

  notifications: (p: PageArgs = {}) => api<Page<Notification>>(`/notifications${query(p)}`),
  unreadCount: () => api<{ count: number }>('/notifications/unread-count'),
  markNotificationsRead: (b: { ids: string[] } | { all: true }) =>
    api<{ updated: number }>('/notifications/read', { method: 'POST', json: b }),

  conversations: (p: PageArgs = {}) => api<Page<Conversation>>(`/conversations${query(p)}`),
  conversation: (id: string) => api<Conversation>(`/conversations/${id}`),
  startConversation: (memberIds: string[], name?: string) =>
    api<Conversation>('/conversations', { method: 'POST', json: name ? { memberIds, name } : { memberIds } }),
  messages: (id: string, p: PageArgs = {}) => api<Page<Message>>(`/conversations/${id}/messages${query(p)}`),
  sendMessage: (id: string, body: string, clientId: string) =>
    api<Message>(`/conversations/${id}/messages`, { method: 'POST', json: { body, clientId } }),
  markRead: (id: string, messageId?: string) =>
    api<{ unreadCount: number }>(`/conversations/${id}/read`, { method: 'POST', json: messageId ? { messageId } : {} }),

  items: (p: PageArgs & { sort?: string; seller?: string } = {}) => api<Page<Item>>(`/items${query(p)}`),
  item: (id: string) => api<Item>(`/items/${id}`),
  createItem: (b: { title: string; description: string; price: Money; fileMediaId: string; previewMediaId?: string; copies?: number; status?: string }) =>
    api<Item>('/items', { method: 'POST', json: b }),
  archiveItem: (id: string) => api<void>(`/items/${id}`, { method: 'DELETE' }),
  createOrder: (itemId: string, idempotencyKey: string) =>
    api<Order>('/orders', { method: 'POST', json: { itemId }, headers: { 'idempotency-key': idempotencyKey } }),
  order: (id: string) => api<Order>(`/orders/${id}`),
  orders: (p: PageArgs & { role?: 'buyer' | 'seller' } = {}) => api<Page<Order>>(`/orders${query(p)}`),
  cancelOrder: (id: string) => api<Order>(`/orders/${id}/cancel`, { method: 'POST' }),
  refundOrder: (id: string, reason?: string) => api<Order>(`/orders/${id}/refund`, { method: 'POST', json: reason ? { reason } : {} }),
  download: (id: string) => api<{ url: string; expiresAt: string; downloadsLeft: number | null }>(`/orders/${id}/download`),
  suggestUsers: (q: string) => api<Page<User> | { items: User[] }>(`/search/users/suggest${query({ q, limit: 6 })}`),
};
