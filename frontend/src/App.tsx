import { lazy } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { Provider as UrqlProvider } from 'urql';
import { Layout } from './components/Layout';
import { ToastProvider } from './components/Toasts';
import { gqlClient } from './lib/gql';
import { LiveProvider } from './lib/live';
import HomePage from './pages/HomePage';

// Every page but the home page loads on demand (its own chunk).
const page = (load: () => Promise<{ default: React.ComponentType }>) => {
  const C = lazy(load);
  return <C />;
};

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/', element: <HomePage /> },
      { path: '/login', element: page(() => import('./pages/LoginPage')) },
      { path: '/signup', element: page(() => import('./pages/SignupPage')) },
      { path: '/compose', element: page(() => import('./pages/ComposePage')) },
      { path: '/explore', element: page(() => import('./pages/ExplorePage')) },
      { path: '/p/:id', element: page(() => import('./pages/PostPage')) },
      { path: '/u/:id', element: page(() => import('./pages/ProfilePage')) },
      { path: '/u/:id/:tab', element: page(() => import('./pages/ProfilePage')) },
      { path: '/settings', element: page(() => import('./pages/SettingsPage')) },
      { path: '/activity', element: page(() => import('./pages/ActivityPage')) },
      { path: '/messages', element: page(() => import('./pages/MessagesPage')) },
      { path: '/messages/:id', element: page(() => import('./pages/ConversationPage')) },
      { path: '/market', element: page(() => import('./pages/MarketPage')) },
      { path: '/market/sell', element: page(() => import('./pages/SellPage')) },
      { path: '/market/items/:id', element: page(() => import('./pages/ItemPage')) },
      { path: '/market/orders', element: page(() => import('./pages/OrdersPage')) },
      { path: '/market/orders/:id', element: page(() => import('./pages/OrderPage')) },
      { path: '*', element: page(() => import('./pages/NotFoundPage')) },
    ],
  },
]);

export function App() {
  return (
    <UrqlProvider value={gqlClient}>
      <ToastProvider>
        <LiveProvider>
          <RouterProvider router={router} />
        </LiveProvider>
      </ToastProvider>
    </UrqlProvider>
  );
}
