-- Seed data. alice's password is "correct horse battery staple" (argon2id,
-- m=19456 KiB, t=2, p=1); bob's is "bob has a long password".
INSERT OR IGNORE INTO users (id, name, email, password_hash, avatar, created_at, updated_at) VALUES
  (1, 'Alice', 'alice@example.com',
   '$argon2id$v=19$m=19456,t=2,p=1$jghCkFOqfz3neKSISGslEw$L32DLlHvzBV6B6OWnP6R102YwaMGWwWbL+h5i3zzYjM',
   NULL, 1767225600000, 1767225600000),
  (2, 'Bob', 'bob@example.com',
   '$argon2id$v=19$m=19456,t=2,p=1$wn7hDo6/W7fcGU4UZSFvKA$wP5TqLs7xV0xoxzHKecy32t4ceNKtR6iWLL9DDoZZDw',
   NULL, 1767225600000, 1767225600000);

INSERT OR IGNORE INTO posts (slug, title, body, updated_at) VALUES
  ('hello-world', 'Hello, world',
   'Welcome to **redspin**: this page is rendered from Markdown once and then served from the Redis page cache.',
   1767225600000);
