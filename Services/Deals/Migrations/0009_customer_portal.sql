-- The customer portal (客户自助, issue 11): a revocable link per customer, invoices with their electronic PDF, and the
-- after-sales requests customers submit on the public page. See docs/adr/0008-customer-portal.md.

-- One live link per customer. The token is kept (not only its hash) so the owner can show the same QR code again;
-- it opens only that customer's public page. Revoking stamps revoked_at and the token stops working at once.
CREATE TABLE portal_links (
    id uuid PRIMARY KEY,
    customer_id text NOT NULL,
    token text NOT NULL UNIQUE,
    show_owner_phone boolean NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
    revoked_by text
);

CREATE UNIQUE INDEX portal_links_live_idx ON portal_links (customer_id) WHERE revoked_at IS NULL;

-- Invoices (发票) against a signed contract, by finance; their sum never exceeds the contract amount. The electronic
-- invoice's PDF (at most 10 MB) is kept with it once uploaded.
CREATE TABLE invoices (
    id uuid PRIMARY KEY,
    contract_id uuid NOT NULL REFERENCES contracts (id),
    number text NOT NULL UNIQUE,
    issued_on date NOT NULL,
    amount_fen bigint NOT NULL CHECK (amount_fen > 0),
    pdf bytea,
    pdf_bytes integer,
    pdf_uploaded_at timestamptz,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE INDEX invoices_contract_idx ON invoices (contract_id, issued_on);

-- After-sales requests (售后服务请求) from the public page: a task for the customer's owner at the time it arrived.
CREATE TABLE service_requests (
    id uuid PRIMARY KEY,
    customer_id text NOT NULL,
    customer_name text NOT NULL,
    contract_id uuid REFERENCES contracts (id),
    owner_id text,
    region text NOT NULL,
    contact_name text NOT NULL,
    phone text NOT NULL,
    description text NOT NULL,
    status text NOT NULL CHECK (status IN ('open', 'done')),
    submitted_at timestamptz NOT NULL,
    done_at timestamptz,
    done_by text
);

CREATE INDEX service_requests_owner_idx ON service_requests (owner_id, submitted_at DESC);
