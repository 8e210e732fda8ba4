-- One checkout as the order service commits it (seen with log_statement=all), for pgbench -M extended.
-- `orders_sNN` is replaced by each shard's schema (one script per shard, picked at random, like customers
-- spread over the shards). Ids are md5 of random 63-bit numbers, so no two transactions collide.
-- pgbench takes a colon followed by a name as a variable even inside quotes (and comments), hence the
-- notify channel written as two strings and a space in the JSON's `": null`.
\set customer random(1, 1000000)
\set order random(1, 9223372036854775806)
\set key random(1, 9223372036854775806)

-- The Idempotency-Key is claimed before the product service is called: a new key by one INSERT, committed
-- on its own (the shard's store offers autocommit; only a key that exists takes a transaction).
INSERT INTO "orders_sNN"."idempotency_keys" (scope, key, fingerprint, resource_id, locked_until)
VALUES (md5(:customer::text)::uuid::text, md5(:key::text)::uuid::text,
  'be89b633ef9c546f547e70e955faed1020bcb2ed66ec7412f3a1b36be43fbe7b', md5(:order::text)::uuid::text,
  now() + make_interval(secs => 60::double precision))
ON CONFLICT (scope, key) DO NOTHING
RETURNING locked_until::text AS "lock", scope AS customer_id, key AS idempotency_key, resource_id AS order_id \gset

-- The order, its lines, order.placed.v1 in the outbox and the recorded response, in one transaction.
BEGIN;
WITH placed AS (
  INSERT INTO "orders_sNN"."orders" (id, customer_id, status, currency, total_amount, shipping_address, payment_id,
                                     refunded_amount, reason, expires_at, version, created_at, updated_at)
  VALUES (:order_id::uuid, :customer_id::uuid, 'PENDING_PAYMENT', 'USD', 9732,
    '{"city": "Town", "name": "A B", "line1": "1 Main St", "country": "US", "postalCode": "12345"}'::jsonb, NULL, 0, NULL,
    now() + interval '15 minutes', 1, now(), now())
  ON CONFLICT (id) DO NOTHING
  RETURNING id
)
INSERT INTO "orders_sNN"."order_lines" (order_id, line_no, product_id, sku, name, quantity, unit_price_amount, line_total_amount)
SELECT placed.id, line.*
FROM placed, unnest('{1,2,3}'::int[],
  '{5dedb5ee-2a7c-425c-9229-dc42132b434a,2aca5484-22b4-4b8a-bff5-51f41914c8af,d1815e11-e162-401b-af30-7f3d70806942}'::uuid[],
  '{BENCH-5dedb5ee,BENCH-2aca5484,BENCH-d1815e11}'::text[],
  '{"Bench product 5dedb5ee","Bench product 2aca5484","Bench product d1815e11"}'::text[],
  '{1,1,1}'::int[], '{4345,1154,4233}'::int[], '{4345,1154,4233}'::int[])
  AS line(line_no, product_id, sku, name, quantity, unit_price_amount, line_total_amount);
INSERT INTO "orders_sNN"."outbox_events" (id, topic, key, type, payload, headers)
SELECT v.* FROM (VALUES (gen_random_uuid(), 'order-events', :order_id, 'order.placed.v1',
  '{"id":"e138a924-fd05-4b8b-a39d-3c4a334020c0","type":"order.placed.v1","source":"order","subject":"01a2357e-d773-70ff-b66e-68d52544fbd1","occurredAt":"2026-12-02T06:43:54.959Z","data":{"orderId":"01a2357e-d773-70ff-b66e-68d52544fbd1","customerId":"260cf37d-fbe2-434c-b920-12334d5d12db","items":[{"productId":"5dedb5ee-2a7c-425c-9229-dc42132b434a","quantity":1,"unitPrice":{"amount":4345,"currency":"USD"}},{"productId":"2aca5484-22b4-4b8a-bff5-51f41914c8af","quantity":1,"unitPrice":{"amount":1154,"currency":"USD"}},{"productId":"d1815e11-e162-401b-af30-7f3d70806942","quantity":1,"unitPrice":{"amount":4233,"currency":"USD"}}],"total":{"amount":9732,"currency":"USD"}}}',
  '{"x-request-id": "ea4c2fef-4eb8-4dfd-b728-ce5055348191"}'::jsonb))
  AS v(id, topic, key, type, payload, headers)
CROSS JOIN (SELECT pg_notify('outbox:' || 'orders_sNN', '')) AS wake;
UPDATE "orders_sNN"."idempotency_keys" SET locked_until = NULL, response_status = 201::smallint,
  response_headers = '{"location": "/api/v1/orders/01a2357e-d773-70ff-b66e-68d52544fbd1", "content-type": "application/json; charset=utf-8"}'::jsonb,
  response_body = '{"id":"01a2357e-d773-70ff-b66e-68d52544fbd1","customerId":"260cf37d-fbe2-434c-b920-12334d5d12db","status":"PENDING_PAYMENT","lines":[{"productId":"5dedb5ee-2a7c-425c-9229-dc42132b434a","sku":"BENCH-5dedb5ee","name":"Bench product 5dedb5ee","quantity":1,"unitPrice":{"amount":4345,"currency":"USD"},"lineTotal":{"amount":4345,"currency":"USD"}},{"productId":"2aca5484-22b4-4b8a-bff5-51f41914c8af","sku":"BENCH-2aca5484","name":"Bench product 2aca5484","quantity":1,"unitPrice":{"amount":1154,"currency":"USD"},"lineTotal":{"amount":1154,"currency":"USD"}},{"productId":"d1815e11-e162-401b-af30-7f3d70806942","sku":"BENCH-d1815e11","name":"Bench product d1815e11","quantity":1,"unitPrice":{"amount":4233,"currency":"USD"},"lineTotal":{"amount":4233,"currency":"USD"}}],"total":{"amount":9732,"currency":"USD"},"refunded":{"amount":0,"currency":"USD"},"shippingAddress":{"name":"A B","line1":"1 Main St","city":"Town","postalCode":"12345","country":"US"},"paymentId": null,"reason": null,"expiresAt":"2026-12-02T06:58:54.902Z","version":1,"createdAt":"2026-12-02T06:43:54.904Z","updatedAt":"2026-12-02T06:43:54.904Z"}'
WHERE scope = :customer_id AND key = :idempotency_key AND locked_until = :lock::timestamptz AND response_status IS NULL;
COMMIT;
