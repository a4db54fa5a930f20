import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, describe } from '../lib/api';
import { useDraft } from '../lib/hooks';
import { rest } from '../lib/rest';
import type { Post } from '../lib/types';
import { checkFile, IMAGE_MAX, IMAGE_TYPES, upload } from '../lib/upload';
import { MentionTextArea } from './MentionTextArea';
import { useToast } from './Toasts';
import { FormError } from './ui';

const MAX = 5000;

/** Write a post: a counter, an image with preview and upload progress, @mentions, a kept draft. */
export function Composer({ onPosted, autoFocus }: { onPosted: (p: Post) => void; autoFocus?: boolean }) {
  const id = useId();
  const toast = useToast();
  const [content, setContent, clearDraft] = useDraft('cs.draft.post');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [fileError, setFileError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!file) return setPreview(null);
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);

  const left = MAX - content.length;
  const blank = content.trim().length === 0;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (blank || left < 0 || busy) return;
    setBusy(true);
    setError(null);
    try {
      let mediaId: string | undefined;
      if (file) {
        setProgress(0);
        const media = await upload(file, 'post', setProgress);
        mediaId = media.id;
      }
      const post = await rest.createPost({ content, mediaId });
      clearDraft();
      setFile(null);
      setProgress(null);
      if (fileInput.current) fileInput.current.value = '';
      onPosted(post);
      toast('Your post is live.');
    } catch (err) {
      setProgress(null);
      const msg = describe(err);
      if (err instanceof ApiError && (err.field === 'file' || err.field === 'contentType' || err.field === 'size' || err.field === 'mediaId' || err.code === 'upload_failed')) setFileError(msg);
      else setError(msg); // the text stays in the box
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="card stack" aria-label="New post">
      <label htmlFor={`${id}-text`} className="sr-only">
        What is happening?
      </label>
      <MentionTextArea
        id={`${id}-text`}
        name="content"
        rows={3}
        placeholder="What is happening? Type @ to mention someone"
        value={content}
        onChange={setContent}
        autoFocus={autoFocus}
        aria-describedby={`${id}-count`}
        aria-invalid={left < 0 || undefined}
      />
      {preview && (
        <div className="row">
          <img src={preview} alt="Preview of the attached image" width={96} height={96} style={{ objectFit: 'cover', borderRadius: 8 }} />
          <button type="button" className="btn btn-sm" onClick={() => { setFile(null); if (fileInput.current) fileInput.current.value = ''; }}>
            Remove image
          </button>
        </div>
      )}
      {progress !== null && (
        <div>
          <label htmlFor={`${id}-progress`} className="small">
            Uploading image… {Math.round(progress * 100)}%
          </label>
          <progress id={`${id}-progress`} className="progress" max={1} value={progress} />
        </div>
      )}
      {fileError && (
        <p className="field-error" role="alert" id={`${id}-file-err`}>
          {fileError}
        </p>
      )}
      <FormError error={error} />
      <div className="row spread">
        <div className="row">
          <label className="btn btn-sm" htmlFor={`${id}-file`}>
            Add image
          </label>
          <input
            ref={fileInput}
            id={`${id}-file`}
            type="file"
            accept={IMAGE_TYPES.join(',')}
            className="sr-only"
            aria-describedby={fileError ? `${id}-file-err` : undefined}
            onChange={(e) => {
              const f = e.target.files?.[0] ?? null;
              setFileError(null);
              if (f) {
                const problem = checkFile(f, IMAGE_TYPES, IMAGE_MAX);
                if (problem) {
                  setFileError(problem);
                  e.target.value = '';
                  return;
                }
              }
              setFile(f);
            }}
          />
          <span id={`${id}-count`} className={left < 0 ? 'field-error small' : 'muted small'} aria-live="polite">
            {left < 0 ? `${-left} characters over the limit` : `${left} characters left`}
          </span>
        </div>
        <button type="submit" className="btn btn-primary" disabled={busy || blank || left < 0}>
          {busy ? 'Posting…' : 'Post'}
        </button>
      </div>
    </form>
  );
}
