import type { CodegenConfig } from '@graphql-codegen/cli';

// Types for every GraphQL document in src/ from the API's exported schema (schema.graphql,
// written by functions/graphql). `npm run codegen:check` fails when src/gql is stale.
const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', ID: 'string' },
        documentMode: 'string',
      },
      presetConfig: { fragmentMasking: false },
    },
  },
};
export default config;
