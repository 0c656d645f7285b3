/** The embedded database's sample schema and rows: enough to try every method. */
export const SAMPLE_SCHEMA = `
CREATE TABLE customers (
  id serial PRIMARY KEY,
  name text NOT NULL,
  email text NOT NULL UNIQUE,
  country text
);
CREATE TABLE orders (
  id serial PRIMARY KEY,
  customer_id integer NOT NULL REFERENCES customers (id),
  total numeric(10, 2) NOT NULL CHECK (total >= 0),
  placed_at date NOT NULL DEFAULT current_date
);
CREATE VIEW order_totals AS
  SELECT c.id AS customer_id, c.name, count(o.id) AS orders, coalesce(sum(o.total), 0) AS total
  FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
  GROUP BY c.id, c.name;
INSERT INTO customers (name, email, country) VALUES
  ('Ada Lovelace', 'ada@example.com', 'GB'),
  ('Grace Hopper', 'grace@example.com', 'US'),
  ('Hedy Lamarr', 'hedy@example.com', 'AT');
INSERT INTO orders (customer_id, total, placed_at) VALUES
  (1, 120.50, '2024-03-01'),
  (1, 35.00, '2024-04-12'),
  (2, 999.99, '2024-05-20');
`;
