// A file straight to its presigned URL, with progress (fetch cannot report upload progress).
import { ApiError } from './api';
import { rest } from './rest';

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif'];
export const IMAGE_MAX = 10 * 1024 * 1024;
export const ITEM_FILE_TYPES = [
  'application/pdf', 'application/zip', 'application/epub+zip', 'audio/mpeg', 'audio/flac',
  ...IMAGE_TYPES, 'video/mp4', 'video/webm',
];
export const ITEM_FILE_MAX = 500 * 1024 * 1024;

export function mib(n: number) {
  const m = n / 1024 / 1024;
  return `${Number.isInteger(m) ? m : m.toFixed(1)} MB`;
}

/** A message when the file cannot be sent, checked before any request. */
export function checkFile(file: File, types: string[], max: number): string | null {
  if (!types.includes(file.type)) {
    return `${file.name} is a ${file.type || 'file of unknown type'}; choose one of: ${types.map((t) => t.split('/')[1]).join(', ')}.`;
  }
  if (file.size > max) return `${file.name} (${mib(file.size)}) is larger than the ${mib(max)} limit. Choose a smaller file.`;
  return null;
}

export function putWithProgress(url: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal) {
  return new Promise<void>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('content-type', file.type);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
      } else reject(new ApiError(xhr.status, 'upload_failed', `The upload was refused (${xhr.status}). Try again.`));
    };
    xhr.onerror = () => reject(new ApiError(0, 'offline', 'The upload could not reach storage. Check your connection and try again.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'The upload was cancelled.'));
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(file);
  });
}

/** Creates the upload, sends the file, and waits until the media service has checked it. */
export async function upload(file: File, purpose: string, onProgress: (fraction: number) => void, signal?: AbortSignal) {
  const created = await rest.createUpload({ contentType: file.type, size: file.size, purpose });
  await putWithProgress(created.uploadUrl, file, onProgress, signal);
  for (let i = 0; i < 60; i++) {
    const media = await rest.media(created.mediaId);
    if (media.status === 'ready') return media;
    if (media.status === 'rejected') throw new ApiError(422, 'media_rejected', `The file was rejected: ${media.reason ?? 'unknown reason'}.`, 'file');
    await new Promise((r) => setTimeout(r, Math.min(250 * (i + 1), 1000)));
  }
  throw new ApiError(504, 'media_timeout', 'The file is still being processed. Try again in a moment.');
}
