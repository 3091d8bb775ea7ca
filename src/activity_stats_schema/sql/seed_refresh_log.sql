INSERT INTO {private}.{refresh_log} (singleton) VALUES (true) ON CONFLICT (singleton) DO NOTHING
