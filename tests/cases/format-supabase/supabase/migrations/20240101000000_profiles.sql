create table public.profiles (
  id uuid not null references auth.users on delete cascade,
  username text unique,
  primary key (id)
);

alter table public.profiles enable row level security;

create policy "Profiles are viewable by everyone." on profiles
  for select using (true);

create policy "Users can update own profile." on profiles
  for update using (auth.uid() = id);

grant select on public.profiles to anon, authenticated;
