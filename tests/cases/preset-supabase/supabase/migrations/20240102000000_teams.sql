-- Teams: ids from uuid-ossp and pgcrypto, both unqualified and qualified, members tied to
-- auth.users, RLS through auth.uid() and auth.jwt().
create or replace function public.new_id() returns uuid
  language sql volatile as $$ select uuid_generate_v4() $$;

create table if not exists public.teams (
  id uuid primary key default extensions.uuid_generate_v4(),
  name text not null,
  slug text not null unique,
  created_by uuid default auth.uid() references auth.users (id) on delete set null,
  created_at timestamptz not null default now()
);

create table if not exists public.members (
  team_id uuid not null references public.teams (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  role text not null default 'member' check (role in ('owner', 'admin', 'member')),
  primary key (team_id, user_id)
);
create index if not exists members_user_id_idx on public.members (user_id);

create table if not exists public.documents (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references public.teams (id) on delete cascade,
  author_id uuid references auth.users (id),
  title text not null,
  body text,
  secret text default encode(extensions.gen_random_bytes(16), 'hex')
);

alter table public.teams enable row level security;
alter table public.members enable row level security;
alter table public.documents enable row level security;

create or replace function public.is_member(team uuid) returns boolean
  language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from public.members m where m.team_id = team and m.user_id = (select auth.uid())
  )
$$;

drop policy if exists "members see their teams" on public.teams;
create policy "members see their teams" on public.teams
  for select to authenticated using (public.is_member(id));
drop policy if exists "members see their team's documents" on public.documents;
create policy "members see their team's documents" on public.documents
  for all to authenticated
  using (public.is_member(team_id))
  with check (public.is_member(team_id) and (auth.jwt() ->> 'aal') is distinct from 'aal0');
drop policy if exists "service role sees everything" on public.documents;
create policy "service role sees everything" on public.documents
  for select using (auth.role() = 'service_role');

grant select on public.teams to anon;

-- As `supabase db pull` writes a project's extensions; documents are sent by Realtime.
create extension if not exists "pg_stat_statements" with schema "extensions";
create extension if not exists "pgcrypto" with schema "extensions";
do $$ begin
  if not exists (select from pg_publication_tables where pubname = 'supabase_realtime' and tablename = 'documents') then
    alter publication supabase_realtime add table public.documents;
  end if;
end $$;
