import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { hoistNamedSchemas } from './openapi-components.js'

export interface OpenApiOptions {
  title: string
  description: string
  version?: string
  /** The tags the routes use, each with what it groups. */
  tags: Array<{ name: string; description: string }>
}

/**
 * The service's OpenAPI 3.1 document and Swagger UI at `/api-docs` (`/api-docs/json`). Must be
 * registered before any route so every route lands in the document. Schemas titled with a
 * PascalCase name become named components (see `hoistNamedSchemas`); README, "Contributing",
 * says what every route must declare.
 */
export const openApiPlugin = fp<OpenApiOptions>(
  async (app, { title, description, version = '1.0.0', tags }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title, description, version },
        tags,
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
        }
      },
      hideUntagged: true,
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
      transformObject: (documentObject) =>
        hoistNamedSchemas(('openapiObject' in documentObject ? documentObject.openapiObject : documentObject.swaggerObject) as Record<string, unknown>)
    })
    await app.register(swaggerUi, {
      routePrefix: '/api-docs',
      uiConfig: { persistAuthorization: true, displayRequestDuration: true }
    })
  },
  { name: 'openapi', fastify: '5.x' }
)
