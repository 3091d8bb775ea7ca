INSERT INTO {private}.{contingency} (singleton) VALUES (true) ON CONFLICT (singleton) DO NOTHING
