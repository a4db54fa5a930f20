import { useEffect, useId, useRef, useState, type TextareaHTMLAttributes } from 'react';
import { displayName } from '../lib/format';
import { rest } from '../lib/rest';
import type { User } from '../lib/types';

/** The @word the caret is in, if any. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = /(^|\s)@([A-Za-z0-9_]{1,30})$/.exec(text.slice(0, caret));
  return m ? { start: caret - m[2].length - 1, query: m[2] } : null;
}

/** A textarea that completes @mentions from /search/users/suggest (a combobox). */
export function MentionTextArea({
  value,
  onChange,
  ...rest_
}: { value: string; onChange: (v: string) => void } & Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, 'value' | 'onChange'>) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const listId = useId();
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [options, setOptions] = useState<User[]>([]);
  const [active, setActive] = useState(0);

  useEffect(() => {
    if (!mention) {
      setOptions([]);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      rest.suggestUsers(mention.query).then(
        (r) => live && (setOptions(r.items.slice(0, 6)), setActive(0)),
        () => live && setOptions([]),
      );
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [mention]);

  const choose = (u: User) => {
    if (!mention) return;
    const caret = mention.start + 1 + mention.query.length;
    const next = `${value.slice(0, mention.start)}@${u.username} ${value.slice(caret)}`;
    onChange(next);
    setMention(null);
    requestAnimationFrame(() => {
      const pos = mention.start + u.username.length + 2;
      ref.current?.setSelectionRange(pos, pos);
      ref.current?.focus();
    });
  };

  const open = mention !== null && options.length > 0;
  return (
    <div style={{ position: 'relative' }}>
      <textarea
        {...rest_}
        ref={ref}
        className="input"
        value={value}
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={open}
        aria-controls={open ? listId : undefined}
        aria-activedescendant={open ? `${listId}-${active}` : undefined}
        onChange={(e) => {
          onChange(e.target.value);
          setMention(mentionAt(e.target.value, e.target.selectionStart));
        }}
        onKeyDown={(e) => {
          if (!open) return;
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setActive((a) => (a + 1) % options.length);
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => (a - 1 + options.length) % options.length);
          } else if (e.key === 'Enter' || e.key === 'Tab') {
            e.preventDefault();
            choose(options[active]);
          } else if (e.key === 'Escape') {
            setMention(null);
          }
        }}
        onBlur={() => setTimeout(() => setMention(null), 150)}
      />
      {open && (
        <ul className="suggestions" id={listId} role="listbox" aria-label="People to mention">
          {options.map((u, i) => (
            <li
              key={u.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(u);
              }}
            >
              <strong>{displayName(u)}</strong> <span className="muted">@{u.username}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
