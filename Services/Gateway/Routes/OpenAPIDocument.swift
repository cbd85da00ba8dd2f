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
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
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
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
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
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
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
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '413': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
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
          /api/v1/products:
            post:
              summary: Add a product to the catalogue (admin, finance)
              operationId: createProduct
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/ProductDraft' }
              responses:
                '201':
                  description: Created
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Product' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '413': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
            get:
              summary: The catalogue, by product line and name (one page)
              operationId: listProducts
              parameters:
                - { name: productLine, in: query, schema: { type: string } }
              responses:
                '200':
                  description: Every product
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/Product' } }
                '401': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/deals:
            post:
              summary: Open a deal (stage lead) for a customer in the caller's scope
              description: >
                Owner and region come from the customer. Publishes deal.stage_changed (from null to lead). Finance gets 403;
                a customer that does not exist or is out of scope gets 404.
              operationId: createDeal
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/DealDraft' }
              responses:
                '201':
                  description: Created
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Deal' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '413': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
            get:
              summary: List deals in the caller's scope, newest first
              operationId: listDeals
              parameters:
                - $ref: '#/components/parameters/Limit'
                - $ref: '#/components/parameters/Cursor'
                - { name: stage, in: query, schema: { $ref: '#/components/schemas/DealStage' } }
                - { name: owner, in: query, schema: { type: string }, description: owner user id }
                - { name: customer, in: query, schema: { type: string, format: uuid } }
              responses:
                '200':
                  description: One page
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/Deal' } }
                          nextCursor: { type: [string, 'null'] }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/deals/{id}:
            parameters:
              - $ref: '#/components/parameters/ID'
            get:
              summary: Get a deal
              operationId: getDeal
              responses:
                '200':
                  description: The deal
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Deal' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/deals/{id}/stage:
            parameters:
              - $ref: '#/components/parameters/ID'
            post:
              summary: Move a deal to another stage
              description: >
                One step forward at a time (lead → qualified → quoted → contract → delivered → paid); quoted needs a quote
                version, contract a signed contract; lost (with lostReason) from any open stage; reopen returns a lost deal
                to the stage it was lost from. An illegal move answers 409 and changes nothing. Publishes deal.stage_changed.
              operationId: changeDealStage
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/StageChange' }
              responses:
                '200':
                  description: The deal after the move
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Deal' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/deals/{id}/quotes:
            parameters:
              - $ref: '#/components/parameters/ID'
            post:
              summary: Create the deal's next quote version (1, 2, 3…)
              description: >
                Prices the lines exactly in fen (a missing unitPriceFen is the list price); a version never changes once
                made. A qualified deal becomes quoted. A lost or paid deal takes no new quotes (409).
              operationId: createQuoteVersion
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/QuoteDraft' }
              responses:
                '201':
                  description: The new version, with what changed from the previous one
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/QuoteVersion' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '413': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
            get:
              summary: Every version of the deal's quote, oldest first, and which is current
              operationId: listQuoteVersions
              responses:
                '200':
                  description: The versions
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/QuoteVersion' } }
                          currentVersion: { type: integer, description: absent when the deal has no quote }
                          currentQuoteId: { type: string, format: uuid }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/quotes/{id}:
            parameters:
              - $ref: '#/components/parameters/ID'
            get:
              summary: Get one quote version
              operationId: getQuote
              responses:
                '200':
                  description: The version, with what changed from the previous one
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/QuoteVersion' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/contracts:
            post:
              summary: Draft a contract from one quote version
              description: >
                Copies the version's lines and total; numbered HT-<year>-<6 digits>. A version that is not the deal's
                current one is refused with 409 (type .../quote-version-superseded) whose currentVersion and currentQuoteId
                name the version to use.
              operationId: createContract
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/ContractDraft' }
              responses:
                '201':
                  description: Created (status draft)
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Contract' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '413': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
            get:
              summary: List contracts in the caller's scope, newest first
              operationId: listContracts
              parameters:
                - $ref: '#/components/parameters/Limit'
                - $ref: '#/components/parameters/Cursor'
                - { name: status, in: query, schema: { $ref: '#/components/schemas/ContractStatus' } }
                - { name: deal, in: query, schema: { type: string, format: uuid } }
              responses:
                '200':
                  description: One page
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/Contract' } }
                          nextCursor: { type: [string, 'null'] }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/contracts/{id}:
            parameters:
              - $ref: '#/components/parameters/ID'
            get:
              summary: Get a contract
              operationId: getContract
              responses:
                '200':
                  description: The contract
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Contract' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/contracts/{id}/submit:
            parameters:
              - $ref: '#/components/parameters/ID'
            post:
              summary: Send a draft or rejected contract to approval
              description: >
                The contract becomes pending_approval and contract.submitted is published; the approvals service picks the
                policy tier by amount. Refused with 409 when the contract is in another status or its quote version has
                been superseded.
              operationId: submitContract
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              responses:
                '200':
                  description: The contract after submission
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Contract' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/contracts/{id}/sign:
            parameters:
              - $ref: '#/components/parameters/ID'
            post:
              summary: Sign an approved contract
              description: Publishes contract.signed (revenue and margin count from here); the deal moves to contract.
              operationId: signContract
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              responses:
                '200':
                  description: The signed contract
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Contract' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/approvals:
            get:
              summary: The caller's approvals
              description: >
                status=pending is the caller's queue (approvals whose current step waits for them, oldest first); otherwise
                the approvals the caller submitted, owns or approves a step of, newest first, optionally by status.
              operationId: listApprovals
              parameters:
                - { name: status, in: query, schema: { $ref: '#/components/schemas/ApprovalStatus' } }
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100, default: 50 } }
              responses:
                '200':
                  description: The approvals (one page, no cursor)
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/Approval' } }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/approvals/{id}:
            parameters:
              - $ref: '#/components/parameters/ID'
            get:
              summary: Get an approval with its steps
              operationId: getApproval
              responses:
                '200':
                  description: The approval
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Approval' }
                '401': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/approvals/{id}/approve:
            parameters:
              - $ref: '#/components/parameters/ID'
            post:
              summary: Approve the current step (its assigned approver only)
              description: >
                Hands the next step to its approver, or completes the approval at the last step. Of two decisions racing on
                one step one wins and the other gets 409; another user who can see the approval gets 403.
              operationId: approveApproval
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: false
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/ApprovalComment' }
              responses:
                '200':
                  description: The approval after the decision
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Approval' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/approvals/{id}/reject:
            parameters:
              - $ref: '#/components/parameters/ID'
            post:
              summary: Reject the current step (its assigned approver only; comment required)
              description: The approval completes as rejected and the contract returns to rejected.
              operationId: rejectApproval
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      allOf:
                        - $ref: '#/components/schemas/ApprovalComment'
                        - required: [comment]
              responses:
                '200':
                  description: The rejected approval
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Approval' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/approvals/{id}/recall:
            parameters:
              - $ref: '#/components/parameters/ID'
            post:
              summary: Withdraw a pending approval (the submitter only)
              description: The approval completes as recalled and the contract returns to draft; once it has ended, 409.
              operationId: recallApproval
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: false
                content:
                  application/json:
                    schema: { $ref: '#/components/schemas/ApprovalComment' }
              responses:
                '200':
                  description: The recalled approval
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/Approval' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '404': { $ref: '#/components/responses/Problem' }
                '409': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/approval-policies:
            get:
              summary: The current approval policy (admin)
              operationId: getApprovalPolicies
              responses:
                '200':
                  description: The policy in force
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/ApprovalPolicy' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
            put:
              summary: Replace the approval policy (admin)
              description: >
                Stored as the next policy version; running approvals keep the version they started with. A contract takes
                the tier with the largest aboveFen its amount strictly exceeds; one tier must have aboveFen 0.
              operationId: putApprovalPolicies
              parameters:
                - $ref: '#/components/parameters/IdempotencyKey'
              requestBody:
                required: true
                content:
                  application/json:
                    schema:
                      type: object
                      required: [tiers]
                      properties:
                        tiers: { type: array, minItems: 1, maxItems: 10, items: { $ref: '#/components/schemas/ApprovalTier' } }
              responses:
                '200':
                  description: The new policy version
                  content:
                    application/json:
                      schema: { $ref: '#/components/schemas/ApprovalPolicy' }
                '400': { $ref: '#/components/responses/Problem' }
                '401': { $ref: '#/components/responses/Problem' }
                '403': { $ref: '#/components/responses/Problem' }
                '415': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/notifications:
            get:
              summary: The caller's in-app notifications, newest first
              operationId: listNotifications
              parameters:
                - { name: limit, in: query, schema: { type: integer, minimum: 1, maximum: 100, default: 50 } }
              responses:
                '200':
                  description: The notifications (one page, no cursor)
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [items]
                        properties:
                          items: { type: array, items: { $ref: '#/components/schemas/Notification' } }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
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
                '401': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/reports/top-reps:
            get:
              summary: The five reps with the largest signed contract amount in a month, in the caller's scope
              operationId: reportTopReps
              parameters:
                - { name: month, in: query, schema: { type: string, pattern: '^[0-9]{4}-[0-9]{2}$' }, description: 'YYYY-MM (Asia/Shanghai); default the current month' }
              responses:
                '200':
                  description: Largest amount first
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [month, items]
                        properties:
                          month: { type: string }
                          items:
                            type: array
                            maxItems: 5
                            items:
                              type: object
                              required: [userId, displayName, region, signedAmountFen, contracts]
                              properties:
                                userId: { type: string }
                                displayName: { type: string }
                                region: { type: [string, 'null'] }
                                signedAmountFen: { type: integer, format: int64 }
                                contracts: { type: integer }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/reports/product-line-margins:
            get:
              summary: Revenue, cost and gross margin per product line of the contracts signed in a period
              operationId: reportProductLineMargins
              parameters:
                - $ref: '#/components/parameters/From'
                - $ref: '#/components/parameters/To'
              responses:
                '200':
                  description: One item per product line
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
                              required: [productLine, revenueFen, costFen, grossMarginFen, grossMarginPercent]
                              properties:
                                productLine: { type: string }
                                revenueFen: { type: integer, format: int64 }
                                costFen: { type: integer, format: int64 }
                                grossMarginFen: { type: integer, format: int64 }
                                grossMarginPercent: { type: [string, 'null'], description: 'two decimals, e.g. "37.50"; null without revenue' }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/reports/funnel:
            get:
              summary: The funnel lead → qualified → quoted → contract → won of the deals created in a period
              operationId: reportFunnel
              parameters:
                - $ref: '#/components/parameters/From'
                - $ref: '#/components/parameters/To'
              responses:
                '200':
                  description: The five stages in order
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [stages]
                        properties:
                          stages:
                            type: array
                            items:
                              type: object
                              required: [stage, count, conversionFromPrevious]
                              properties:
                                stage: { type: string, enum: [lead, qualified, quoted, contract, won] }
                                count: { type: integer }
                                conversionFromPrevious:
                                  type: [string, 'null']
                                  description: percent of the previous stage, two decimals; null when the previous stage is empty
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
          /api/v1/reports/approval-times:
            get:
              summary: How long the approvals completed in a period took, in working days (Asia/Shanghai)
              description: >
                count is every completed approval; the durations cover the decided ones (approved or rejected), not
                recalls. Average, median and the share within 2 working days are strings with two decimals, null when
                nothing was decided.
              operationId: reportApprovalTimes
              parameters:
                - $ref: '#/components/parameters/From'
                - $ref: '#/components/parameters/To'
              responses:
                '200':
                  description: The figures
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [count, decided, approved, rejected, recalled, averageWorkingDays, medianWorkingDays, withinTwoWorkingDays]
                        properties:
                          count: { type: integer }
                          decided: { type: integer }
                          approved: { type: integer }
                          rejected: { type: integer }
                          recalled: { type: integer }
                          averageWorkingDays: { type: [string, 'null'] }
                          medianWorkingDays: { type: [string, 'null'] }
                          withinTwoWorkingDays: { type: [string, 'null'], description: percent of decided approvals }
                '401': { $ref: '#/components/responses/Problem' }
                '422': { $ref: '#/components/responses/Problem' }
                '503': { $ref: '#/components/responses/Problem' }
                '504': { $ref: '#/components/responses/Problem' }
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
            ID:
              name: id
              in: path
              required: true
              schema: { type: string, format: uuid }
            Limit:
              name: limit
              in: query
              schema: { type: integer, minimum: 1, maximum: 100, default: 20 }
            Cursor:
              name: cursor
              in: query
              description: nextCursor of the previous page
              schema: { type: string }
            From:
              name: from
              in: query
              description: first day, YYYY-MM-DD (Asia/Shanghai); default the first day of the current month
              schema: { type: string, format: date }
            To:
              name: to
              in: query
              description: last day, inclusive, YYYY-MM-DD; default the last day of the current month
              schema: { type: string, format: date }
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
            ProductDraft:
              type: object
              required: [name, productLine, listPriceFen, unitCostFen]
              properties:
                name: { type: string, maxLength: 200 }
                productLine: { type: string, maxLength: 100 }
                listPriceFen: { type: integer, format: int64, minimum: 0, maximum: 100000000000, description: 'fen (1 CNY = 100 fen)' }
                unitCostFen: { type: integer, format: int64, minimum: 0, maximum: 100000000000 }
            Product:
              type: object
              required: [id, name, productLine, listPriceFen, unitCostFen, createdAt]
              properties:
                id: { type: string, format: uuid }
                name: { type: string }
                productLine: { type: string }
                listPriceFen: { type: integer, format: int64 }
                unitCostFen: { type: integer, format: int64 }
                createdAt: { type: string, format: date-time }
            DealStage:
              type: string
              enum: [lead, qualified, quoted, contract, delivered, paid, lost]
            DealDraft:
              type: object
              required: [customerId, title, expectedAmountFen, expectedCloseDate]
              properties:
                customerId: { type: string, format: uuid }
                title: { type: string, maxLength: 200 }
                expectedAmountFen: { type: integer, format: int64, minimum: 0 }
                expectedCloseDate: { type: string, format: date }
            Deal:
              type: object
              required: [id, customerId, customerName, ownerId, region, title, expectedAmountFen, expectedCloseDate, stage, version, createdBy, createdAt, updatedAt]
              properties:
                id: { type: string, format: uuid }
                customerId: { type: string, format: uuid }
                customerName: { type: string }
                ownerId: { type: string }
                region: { type: string }
                title: { type: string }
                expectedAmountFen: { type: integer, format: int64 }
                expectedCloseDate: { type: string, format: date }
                stage: { $ref: '#/components/schemas/DealStage' }
                lostReason: { type: string }
                lostFromStage: { $ref: '#/components/schemas/DealStage' }
                version: { type: integer }
                createdBy: { type: string }
                createdAt: { type: string, format: date-time }
                updatedAt: { type: string, format: date-time }
            StageChange:
              type: object
              required: [stage]
              properties:
                stage: { type: string, enum: [lead, qualified, quoted, contract, delivered, paid, lost, reopen] }
                lostReason: { type: string, description: required when stage is lost }
            QuoteLineRequest:
              type: object
              required: [productId, quantity]
              properties:
                productId: { type: string, format: uuid, description: once per version }
                quantity: { type: integer, format: int64, minimum: 1, maximum: 1000000000 }
                unitPriceFen: { type: integer, format: int64, minimum: 0, description: default the list price }
                discountBasisPoints: { type: integer, minimum: 0, maximum: 10000, default: 0, description: '500 = 5%' }
            QuoteDraft:
              type: object
              required: [lines]
              properties:
                lines: { type: array, minItems: 1, maxItems: 200, items: { $ref: '#/components/schemas/QuoteLineRequest' } }
                validUntil: { type: string, format: date }
                note: { type: string, maxLength: 2000 }
            PricedLine:
              type: object
              required: [productId, productName, productLine, quantity, unitPriceFen, discountBasisPoints, amountFen, costFen]
              properties:
                productId: { type: string, format: uuid }
                productName: { type: string }
                productLine: { type: string }
                quantity: { type: integer, format: int64 }
                unitPriceFen: { type: integer, format: int64 }
                discountBasisPoints: { type: integer }
                amountFen: { type: integer, format: int64, description: 'quantity × unit price × (1 − discount), rounded half-up to the fen' }
                costFen: { type: integer, format: int64 }
            QuoteDiff:
              type: object
              required: [added, removed, changed, totalDeltaFen]
              properties:
                previousVersion: { type: integer, description: absent for version 1 }
                added: { type: array, items: { $ref: '#/components/schemas/PricedLine' } }
                removed: { type: array, items: { $ref: '#/components/schemas/PricedLine' } }
                changed:
                  type: array
                  items:
                    type: object
                    required: [productId, before, after]
                    properties:
                      productId: { type: string, format: uuid }
                      before: { $ref: '#/components/schemas/PricedLine' }
                      after: { $ref: '#/components/schemas/PricedLine' }
                totalDeltaFen: { type: integer, format: int64 }
            QuoteVersion:
              type: object
              required: [id, dealId, version, lines, totalFen, costFen, marginFen, marginBasisPoints, createdBy, createdAt, changes]
              properties:
                id: { type: string, format: uuid }
                dealId: { type: string, format: uuid }
                version: { type: integer, minimum: 1 }
                lines: { type: array, items: { $ref: '#/components/schemas/PricedLine' } }
                totalFen: { type: integer, format: int64 }
                costFen: { type: integer, format: int64 }
                marginFen: { type: integer, format: int64 }
                marginBasisPoints: { type: integer, description: 'margin ÷ total, 3750 = 37.50%' }
                validUntil: { type: string, format: date }
                note: { type: string }
                createdBy: { type: string }
                createdAt: { type: string, format: date-time }
                changes: { $ref: '#/components/schemas/QuoteDiff' }
            ContractDraft:
              type: object
              description: 'Name the quote version by id, or by deal and version number.'
              properties:
                quoteId: { type: string, format: uuid }
                dealId: { type: string, format: uuid }
                version: { type: integer, minimum: 1 }
            ContractStatus:
              type: string
              enum: [draft, pending_approval, approved, rejected, signed]
            Contract:
              type: object
              required: [id, number, dealId, quoteId, quoteVersion, lines, amountFen, costFen, status, version, createdBy, createdAt, updatedAt, customerId, customerName, ownerId, region]
              properties:
                id: { type: string, format: uuid }
                number: { type: string, example: HT-2026-000123 }
                dealId: { type: string, format: uuid }
                quoteId: { type: string, format: uuid }
                quoteVersion: { type: integer }
                lines: { type: array, items: { $ref: '#/components/schemas/PricedLine' } }
                amountFen: { type: integer, format: int64 }
                costFen: { type: integer, format: int64 }
                status: { $ref: '#/components/schemas/ContractStatus' }
                version: { type: integer }
                submittedBy: { type: string }
                submittedAt: { type: string, format: date-time }
                decidedAt: { type: string, format: date-time }
                decisionComment: { type: string }
                signedAt: { type: string, format: date-time }
                createdBy: { type: string }
                createdAt: { type: string, format: date-time }
                updatedAt: { type: string, format: date-time }
                customerId: { type: string, format: uuid }
                customerName: { type: string }
                ownerId: { type: string }
                region: { type: string }
            ApprovalStatus:
              type: string
              enum: [pending, approved, rejected, recalled]
            ApprovalComment:
              type: object
              properties:
                comment: { type: string, maxLength: 2000 }
            ApprovalStep:
              type: object
              required: [step, role, status]
              properties:
                step: { type: integer }
                role: { $ref: '#/components/schemas/Role' }
                status: { type: string, enum: [waiting, pending, approved, rejected, cancelled] }
                approverId: { type: string }
                approverName: { type: string }
                resolution: { type: string }
                assignedAt: { type: string, format: date-time }
                decidedAt: { type: string, format: date-time }
                comment: { type: string }
                workingDays: { type: number }
            Approval:
              type: object
              required: [id, contractId, contractNumber, customerName, amountFen, ownerId, region, submitterId, policyVersion, status, currentStep, stepCount, version, requestedAt, steps]
              properties:
                id: { type: string, format: uuid }
                contractId: { type: string, format: uuid }
                contractNumber: { type: string }
                customerName: { type: string }
                amountFen: { type: integer, format: int64 }
                ownerId: { type: string }
                region: { type: string }
                submitterId: { type: string }
                policyVersion: { type: integer }
                status: { $ref: '#/components/schemas/ApprovalStatus' }
                currentStep: { type: integer, description: index into steps }
                stepCount: { type: integer }
                version: { type: integer }
                requestedAt: { type: string, format: date-time }
                completedAt: { type: string, format: date-time }
                comment: { type: string }
                workingDays: { type: number, description: working days from request to completion }
                steps: { type: array, items: { $ref: '#/components/schemas/ApprovalStep' } }
            ApprovalTier:
              type: object
              required: [aboveFen, steps]
              properties:
                aboveFen: { type: integer, format: int64, minimum: 0, description: applies to amounts strictly above this }
                steps:
                  type: array
                  minItems: 1
                  maxItems: 5
                  items: { type: string, enum: [supervisor, regional_manager, gm] }
            ApprovalPolicy:
              type: object
              required: [version, tiers, createdBy, createdAt]
              properties:
                version: { type: integer }
                tiers: { type: array, items: { $ref: '#/components/schemas/ApprovalTier' } }
                createdBy: { type: string }
                createdAt: { type: string, format: date-time }
            Notification:
              type: object
              required: [id, userId, kind, title, body, createdAt]
              properties:
                id: { type: string, format: uuid }
                userId: { type: string }
                kind: { type: string }
                title: { type: string }
                body: { type: string }
                approvalId: { type: string, format: uuid }
                createdAt: { type: string, format: date-time }
                readAt: { type: string, format: date-time }
        """
}
