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
            Every /api/v1 route except /auth/login and /auth/refresh needs `Authorization: Bearer <accessToken>`;
            a missing, expired, forged or tampered token, or one of a deactivated user, answers 401 with
            `WWW-Authenticate: Bearer`. Records outside the caller's data scope answer 404.
        security:
          - bearerAuth: []
        servers:
          - url: http://127.0.0.1:8080
        paths:
          /api/v1/auth/login:
            post:
              summary: Log in with username and password
              description: >
                5 failed logins for a username (or 20 from one client address) within 15 minutes lock it for 15 minutes;
                during the lock even the right password answers 429 with Retry-After. A deactivated user cannot log in.
                Each successful login publishes user.logged_in.
              operationId: login
              security: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [username, password]
                      properties:
                        username: { type: string }
                        password: { type: string, format: password }
              responses:
                '200':
                  description: Tokens and the user
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Session' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '429':
                  description: Locked after too many failed logins
                  headers:
                    Retry-After: { schema: { type: integer }, description: seconds until the lock ends }
                  content:
                    application/problem+json:
                      schema: { $ref: '#/components/schemas/Problem' }
          /api/v1/auth/refresh:
            post:
              summary: Trade a refresh token for new tokens
              description: A refresh token works once; a reused one ends every session of its user.
              operationId: refresh
              security: []
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [refreshToken]
                      properties:
                        refreshToken: { type: string }
              responses:
                '200':
                  description: New tokens
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Session' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
          /api/v1/auth/logout:
            post:
              summary: Revoke a refresh token, or all of the caller's when none is given
              operationId: logout
              requestBody:
                required: false
                content:
                  application/json:
                    schema:
                      type: object
                      properties:
                        refreshToken: { type: string }
              responses:
                '204': { description: Revoked }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
          /api/v1/me:
            get:
              summary: The caller
              operationId: me
              responses:
                '200':
                  description: The caller's user
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/User' }
                '401': { $ref: '#/components/responses/Problem' }
          /api/v1/users:
            post:
              summary: Create a user (admin)
              description: Publishes user.created.
              operationId: createUser
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/UserDraft' }
              responses:
                '201':
                  description: Created
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/User' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
            get:
              summary: List users by username (admin)
              operationId: listUsers
              parameters:
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 200, default: 50 } }
                - { name: cursor, in: query, schema: { type: string }, description: nextCursor of the previous page }
              responses:
                '200':
                  description: One page
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items, nextCursor]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/User' } }
                          nextCursor: { type: [string, 'null'] }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
          /api/v1/users/{id}:
            parameters:
              - { name: id, in: path, required: true, schema: { type: string, format: uuid } }
            get:
              summary: Get a user (admin)
              operationId: getUser
              responses:
                '200':
                  description: The user
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/User' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
            patch:
              summary: Change a user (admin)
              description: >
                Only the fields sent change; null clears region, supervisorId, mobile or wecomUserId. A new password
                revokes the user's refresh tokens. Publishes user.updated when a published field changed.
              operationId: updateUser
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/UserPatch' }
              responses:
                '200':
                  description: The user after the change
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/User' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
          /api/v1/users/{id}/deactivate:
            parameters:
              - { name: id, in: path, required: true, schema: { type: string, format: uuid } }
            post:
              summary: Deactivate a user (admin)
              description: >
                Their tokens stop working at once and their refresh tokens are revoked; their records stay. Publishes
                user.deactivated. Deactivating an inactive user changes nothing.
              operationId: deactivateUser
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              responses:
                '200':
                  description: The deactivated user
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/User' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
          /api/v1/regions:
            post:
              summary: Create a region (admin)
              operationId: createRegion
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [code, name]
                      properties:
                        code: { type: string, pattern: '^[a-z][a-z0-9-]{1,31}$' }
                        name: { type: string, maxLength: 100 }
              responses:
                '201':
                  description: Created
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Region' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
            get:
              summary: List regions (admin)
              operationId: listRegions
              responses:
                '200':
                  description: All regions
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/Region' } }
                          nextCursor: { type: 'null' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
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
          /api/v1/customers/transfer:
            post:
              summary: Move customers to another owner (supervisor and up, within scope)
              description: >
                Either customerIds or fromUserId (all of that user's customers). Publishes customer.transferred per
                customer and records it in each customer's history.
              operationId: transferCustomers
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [toUserId]
                      properties:
                        customerIds: { type: array, items: { type: string, format: uuid } }
                        fromUserId: { type: string }
                        toUserId: { type: string }
              responses:
                '200':
                  description: What moved
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [transferred, customerIds]
                        properties:
                          transferred: { type: integer }
                          customerIds: { type: array, items: { type: string, format: uuid } }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/customers/{id}/history:
            parameters:
              - { name: id, in: path, required: true, schema: { type: string, format: uuid } }
            get:
              summary: Who changed what in a customer, and when
              operationId: customerHistory
              responses:
                '200':
                  description: The audit trail, oldest first
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items:
                            type: array
                            items:
                              type: object
                              required: [at, action]
                              properties:
                                at: { type: string, format: date-time }
                                actorId: { type: [string, 'null'] }
                                action: { type: string }
                                changes: { type: object }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
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
              security: []
              summary: The process is alive
              responses: { '200': { description: ok } }
          /ready:
            get:
              security: []
              summary: PostgreSQL, the broker and migrations are usable
              responses:
                '200': { description: ready }
                '503': { description: not ready; the failing checks are named }
          /metrics:
            get:
              security: []
              summary: Prometheus metrics
              responses: { '200': { description: text exposition format } }
          /openapi.yaml:
            get:
              security: []
              summary: This document
              responses: { '200': { description: OpenAPI 3.1 YAML } }
        components:
          securitySchemes:
            bearerAuth:
              type: http
              scheme: bearer
              bearerFormat: JWT
              description: The accessToken from /api/v1/auth/login (HS256, 15 minutes).
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
            Session:
              type: object
              required: [accessToken, tokenType, expiresIn, refreshToken, user]
              properties:
                accessToken: { type: string, description: 'JWT: sub = user id, role, region, iat, exp, jti' }
                tokenType: { type: string, enum: [Bearer] }
                expiresIn: { type: integer, description: seconds }
                refreshToken: { type: string, description: valid 30 days, once }
                user: { $ref: '#/components/schemas/User' }
            Role:
              type: string
              enum: [rep, supervisor, regional_manager, gm, finance, admin]
            User:
              type: object
              required: [id, username, displayName, role, active, version, createdAt, updatedAt]
              properties:
                id: { type: string, format: uuid }
                username: { type: string }
                displayName: { type: string }
                role: { $ref: '#/components/schemas/Role' }
                region: { type: [string, 'null'] }
                supervisorId: { type: [string, 'null'], format: uuid }
                mobile: { type: [string, 'null'] }
                wecomUserId: { type: [string, 'null'] }
                active: { type: boolean }
                version: { type: integer }
                createdAt: { type: string, format: date-time }
                updatedAt: { type: string, format: date-time }
            UserDraft:
              type: object
              required: [username, displayName, password, role]
              description: region is required for rep, supervisor and regional_manager.
              properties:
                username: { type: string, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$', description: unique regardless of case }
                displayName: { type: string, maxLength: 100 }
                password: { type: string, format: password, minLength: 8 }
                role: { $ref: '#/components/schemas/Role' }
                region: { type: string, description: an existing region code }
                supervisorId: { type: string, format: uuid, description: an existing, active user }
                mobile: { type: string, pattern: '^1[3-9][0-9]{9}$' }
                wecomUserId: { type: string, maxLength: 64 }
            UserPatch:
              type: object
              properties:
                username: { type: string }
                displayName: { type: string }
                password: { type: string, format: password, minLength: 8 }
                role: { $ref: '#/components/schemas/Role' }
                region: { type: [string, 'null'] }
                supervisorId: { type: [string, 'null'], format: uuid }
                mobile: { type: [string, 'null'] }
                wecomUserId: { type: [string, 'null'] }
                version: { type: integer, description: apply only if the user is still at this version }
            Region:
              type: object
              required: [code, name, createdAt]
              properties:
                code: { type: string }
                name: { type: string }
                createdAt: { type: string, format: date-time }
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
