// The GraphQL client (urql): the same token and silent refresh as REST, through authFetch.
import { cacheExchange, Client, fetchExchange } from 'urql';
import { authFetch } from './api';

export const gqlClient = new Client({
  url: '/graphql',
  exchanges: [cacheExchange, fetchExchange],
  fetch: (input, init) => authFetch(input, init),
  requestPolicy: 'cache-and-network',
  preferGetMethod: false,
});

/** The stable code of a GraphQL error (extensions.code), as REST's problem `code`. */
export function gqlCode(error: { graphQLErrors?: { extensions?: Record<string, unknown> }[] } | undefined): string | null {
  const code = error?.graphQLErrors?.[0]?.extensions?.code;
  return typeof code === 'string' ? code : null;
}
