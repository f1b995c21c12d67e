import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'

export interface OpenApiOptions {
  title: string
  description: string
  version?: string
}

/**
 * The service's OpenAPI document and Swagger UI at `/api-docs` (`/api-docs/json`). Must be
 * registered before any route so every route lands in the document.
 */
export const openApiPlugin = fp<OpenApiOptions>(
  async (app, { title, description, version = '1.0.0' }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title, description, version },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }
        }
      },
      hideUntagged: true,
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
    })
    await app.register(swaggerUi, {
      routePrefix: '/api-docs',
      uiConfig: { persistAuthorization: true, displayRequestDuration: true }
    })
  },
  { name: 'openapi', fastify: '5.x' }
)
