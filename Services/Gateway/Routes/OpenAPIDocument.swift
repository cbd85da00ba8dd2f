/// The OpenAPI 3.1 description of the gateway's HTTP API, served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let yaml = """
        openapi: 3.1.0
        info:
          title: SalesDesk API
          version: 0.1.0
          description: >
            Sales management for manufacturers: customers, deals, quotes, contracts, approvals, payments and
            reports. Errors are RFC 9457 problem documents (application/problem+json). Writes accept an
            Idempotency-Key header; a retry with the same key and body returns the first answer.
        servers:
          - url: http://127.0.0.1:8080
        paths:
          /api/v1/customers:
            post:
              summary: Create a customer
              operationId: createCustomer
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/CustomerDraft' }
              responses:
                '201':
                  description: Created
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Customer' }
                '400': { $ref: '#/components/responses/Problem' }
                '413': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
            get:
              summary: List customers, newest first
              operationId: listCustomers
              parameters:
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100, default: 20 } }
                - { name: cursor, in: query, schema: { type: string }, description: nextCursor of the previous page }
                - { name: region, in: query, schema: { type: string } }
                - { name: industry, in: query, schema: { type: string } }
                - { name: owner, in: query, schema: { type: string } }
                - { name: q, in: query, schema: { type: string }, description: part of the name }
              responses:
                '200':
                  description: One page
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/Customer' } }
                          nextCursor: { type: [string, 'null'] }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
          /api/v1/customers/{id}:
            parameters:
              - { name: id, in: path, required: true, schema: { type: string, format: uuid } }
            get:
              summary: Get a customer
              operationId: getCustomer
              responses:
                '200':
                  description: The customer
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Customer' }
                '404': { $ref: '#/components/responses/Problem' }
            patch:
              summary: Change some fields of a customer
              operationId: updateCustomer
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/CustomerPatch' }
              responses:
                '200':
                  description: The customer after the change
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Customer' }
                '400': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
          /api/v1/reports/summary:
            get:
              summary: Headline figures
              operationId: reportSummary
              responses:
                '200':
                  description: Counts built from events
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [customers]
                        properties:
                          customers: { type: integer }
                          customersByRegion: { type: object, additionalProperties: { type: integer } }
                          customersByIndustry: { type: object, additionalProperties: { type: integer } }
                          asOf: { type: string, format: date-time }
          /health:
            get:
              summary: The process is alive
              responses: { '200': { description: ok } }
          /ready:
            get:
              summary: PostgreSQL, the broker and migrations are usable
              responses:
                '200': { description: ready }
                '503': { description: not ready; the failing checks are named }
          /metrics:
            get:
              summary: Prometheus metrics
              responses: { '200': { description: text exposition format } }
          /openapi.yaml:
            get:
              summary: This document
              responses: { '200': { description: OpenAPI 3.1 YAML } }
        components:
          parameters:
            IdempotencyKey:
              name: Idempotency-Key
              in: header
              required: false
              schema: { type: string, maxLength: 255 }
          responses:
            Problem:
              description: An RFC 9457 problem document
              content:
                application/problem+json:
                  schema: { $ref: '#/components/schemas/Problem' }
          schemas:
            Problem:
              type: object
              required: [type, title, status]
              properties:
                type: { type: string }
                title: { type: string }
                status: { type: integer }
                detail: { type: string }
                instance: { type: string }
                errors:
                  type: array
                  items:
                    type: object
                    properties: { field: { type: string }, message: { type: string } }
            Contact:
              type: object
              required: [name]
              description: Needs a phone or an email.
              properties:
                name: { type: string, maxLength: 100 }
                phone: { type: string, description: mainland China mobile or landline }
                email: { type: string, format: email }
                title: { type: string }
            CustomerDraft:
              type: object
              required: [name, region, industry, contacts]
              properties:
                name: { type: string, maxLength: 200 }
                region: { type: string, pattern: '^[a-z][a-z0-9-]{1,31}$' }
                industry: { type: string, maxLength: 64 }
                address: { type: string }
                notes: { type: string }
                ownerId: { type: string }
                contacts: { type: array, minItems: 1, items: { $ref: '#/components/schemas/Contact' } }
            CustomerPatch:
              type: object
              properties:
                name: { type: string }
                region: { type: string }
                industry: { type: string }
                address: { type: string }
                notes: { type: string }
                contacts: { type: array, minItems: 1, items: { $ref: '#/components/schemas/Contact' } }
                version: { type: integer, description: apply only if the customer is still at this version }
            Customer:
              type: object
              required: [id, name, region, industry, contacts, version, createdAt, updatedAt]
              properties:
                id: { type: string, format: uuid }
                name: { type: string }
                region: { type: string }
                industry: { type: string }
                address: { type: string }
                notes: { type: string }
                ownerId: { type: string }
                contacts: { type: array, items: { $ref: '#/components/schemas/Contact' } }
                version: { type: integer }
                createdAt: { type: string, format: date-time }
                updatedAt: { type: string, format: date-time }
        """
}
