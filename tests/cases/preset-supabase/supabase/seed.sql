-- As a Supabase seed makes a user that can sign in: GoTrue's own columns.
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at,
  confirmation_token, email_change, email_change_token_new, recovery_token
) values (
  '00000000-0000-0000-0000-000000000000', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  'authenticated', 'authenticated', 'ada@example.com', crypt('password123', gen_salt('bf')), now(),
  '{"provider": "email", "providers": ["email"]}', '{"full_name": "Ada"}', now(), now(),
  '', '', '', ''
);
insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
values (
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "email": "ada@example.com"}', 'email', now(), now(), now()
);
insert into public.teams (id, name, slug, created_by)
values (public.new_id(), 'Analytical Engines', 'engines', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
insert into public.members (team_id, user_id, role)
select id, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'owner' from public.teams;
