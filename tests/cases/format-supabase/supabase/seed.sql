insert into auth.users (id, email) values ('00000000-0000-0000-0000-000000000001', 'ada@example.com');
insert into public.profiles (id, username) values ('00000000-0000-0000-0000-000000000001', 'ada');
insert into public.todos (user_id, task) values ('00000000-0000-0000-0000-000000000001', 'write invariants');
