import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { Field, FormError, TextArea } from '../components/ui';
import { ApiError, describe } from '../lib/api';
import { useDraft, useMe } from '../lib/hooks';
import { checkFile, IMAGE_MAX, IMAGE_TYPES, ITEM_FILE_MAX, ITEM_FILE_TYPES, upload } from '../lib/upload';
import { rest } from '../lib/rest';
import { LoginForm } from './auth';

export default function SellPage() {
  const me = useMe();
  const navigate = useNavigate();
  const [title, setTitle] = useDraft('cs.draft.sell.title');
  const [description, setDescription] = useDraft('cs.draft.sell.description');
  const [amount, setAmount] = useDraft('cs.draft.sell.amount');
  const [currency, setCurrency] = useState('EUR');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!me) return <LoginForm />;

  const fieldOf = (f: string | undefined) =>
    f === 'price.amount' || f === 'price' ? 'amount' : f === 'price.currency' ? 'currency' : f === 'fileMediaId' ? 'file' : f === 'previewMediaId' ? 'preview' : f;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!title.trim()) errs.title = 'Give the item a title.';
    if (!/^\d+(\.\d{1,2})?$/.test(amount.trim()) || Number(amount) <= 0) errs.amount = 'Enter a price such as 4.99.';
    if (!file) errs.file = 'Choose the file buyers will download.';
    if (Object.keys(errs).length) return setErrors(errs);
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      setProgress(0);
      const fileMedia = await upload(file!, 'item_file', (p) => setProgress(preview ? p * 0.8 : p));
      const previewMedia = preview ? await upload(preview, 'item_preview', (p) => setProgress(0.8 + p * 0.2)) : null;
      const item = await rest.createItem({
        title: title.trim(),
        description: description.trim(),
        price: { amount: amount.trim(), currency },
        fileMediaId: fileMedia.id,
        ...(previewMedia ? { previewMediaId: previewMedia.id } : {}),
        status: 'active',
      });
      setTitle('');
      setDescription('');
      setAmount('');
      navigate(`/market/items/${item.id}`);
    } catch (err) {
      const f = err instanceof ApiError ? fieldOf(err.field) : undefined;
      if (f) setErrors({ [f]: err instanceof Error ? err.message : String(err) });
      else setError(describe(err));
    } finally {
      setBusy(false);
      setProgress(null);
    }
  }

  return (
    <form className="stack" onSubmit={submit} noValidate aria-labelledby="sell-title">
      <h1 id="sell-title">Sell an item</h1>
      <Field label="Title" name="title" value={title} onChange={(e) => setTitle(e.target.value)} error={errors.title} maxLength={120} required />
      <TextArea label="Description" name="description" rows={4} value={description} onChange={(e) => setDescription(e.target.value)} error={errors.description} />
      <div className="row" style={{ alignItems: 'flex-start' }}>
        <div style={{ flex: 1 }}>
          <Field label="Price" name="amount" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} error={errors.amount} placeholder="4.99" required />
        </div>
        <div className="field">
          <label htmlFor="currency">Currency</label>
          <select id="currency" className="input" value={currency} onChange={(e) => setCurrency(e.target.value)}>
            <option>EUR</option>
            <option>USD</option>
            <option>GBP</option>
          </select>
          {errors.currency && <span className="field-error">{errors.currency}</span>}
        </div>
      </div>
      <div className="field">
        <label htmlFor="item-file">File to sell</label>
        <input
          id="item-file"
          type="file"
          accept={ITEM_FILE_TYPES.join(',')}
          aria-invalid={errors.file ? true : undefined}
          aria-describedby="item-file-hint item-file-err"
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null;
            const problem = f && checkFile(f, ITEM_FILE_TYPES, ITEM_FILE_MAX);
            setErrors((x) => ({ ...x, file: problem ?? '' }));
            setFile(problem ? null : f);
            if (problem) e.target.value = '';
          }}
        />
        <span id="item-file-hint" className="hint">PDF, ZIP, EPUB, MP3, FLAC, images or video, up to 500 MB</span>
        {errors.file && <span id="item-file-err" className="field-error" role="alert">{errors.file}</span>}
      </div>
      <div className="field">
        <label htmlFor="item-preview">Preview image (optional)</label>
        <input
          id="item-preview"
          type="file"
          accept={IMAGE_TYPES.join(',')}
          aria-describedby="item-preview-err"
          onChange={(e) => {
            const f = e.target.files?.[0] ?? null;
            const problem = f && checkFile(f, IMAGE_TYPES, IMAGE_MAX);
            setErrors((x) => ({ ...x, preview: problem ?? '' }));
            setPreview(problem ? null : f);
            if (problem) e.target.value = '';
          }}
        />
        {errors.preview && <span id="item-preview-err" className="field-error" role="alert">{errors.preview}</span>}
      </div>
      {progress !== null && (
        <div>
          <label htmlFor="sell-progress" className="small">Uploading… {Math.round(progress * 100)}%</label>
          <progress id="sell-progress" className="progress" max={1} value={progress} />
        </div>
      )}
      <FormError error={error} />
      <button type="submit" className="btn btn-primary" disabled={busy}>{busy ? 'Listing…' : 'List the item'}</button>
    </form>
  );
}
