import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';

type Toast = { id: number; text: string; action?: { label: string; run: () => void } };
type Push = (text: string, action?: Toast['action']) => void;

const ToastContext = createContext<Push>(() => {});

export function useToast() {
  return useContext(ToastContext);
}

/** Toasts in a live region: screen readers hear them, they go after 6 s or on Dismiss. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const push = useCallback<Push>(
    (text, action) => {
      const id = next.current++;
      setToasts((t) => [...t.slice(-2), { id, text, action }]);
      setTimeout(() => dismiss(id), 6000);
    },
    [dismiss],
  );
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div className="toast" key={t.id}>
            <span>{t.text}</span>
            <span className="row">
              {t.action && (
                <button type="button" onClick={() => { t.action?.run(); dismiss(t.id); }}>
                  {t.action.label}
                </button>
              )}
              <button type="button" onClick={() => dismiss(t.id)} aria-label="Dismiss">
                ✕
              </button>
            </span>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
