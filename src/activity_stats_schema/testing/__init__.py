"""What the tests, the demo and the benchmark share, and what a user needs to try the schema on a
server that is not Supabase: a throwaway embedded server, Supabase's roles and ``auth.uid()``
emulated, the golden SQL. Needs the ``testing`` extra; nothing in the core imports it."""
