--! Previous: sha1:65b89d571b11d00c815e0a111010399ae57fceb6
--! Hash: sha1:736f034b1026b79839d53e1979eb9eb49a412641
--! Message: Create projects

create table projects (
    id bigint primary key,
    org_id bigint not null references organizations (id) on delete cascade
);

-- A function body with semicolons: graphile-migrate sends the whole migration as one query.
create function projects_keep_org() returns trigger language plpgsql as $$
begin
    if new.org_id is distinct from old.org_id then
        raise exception 'projects.org_id is immutable';
    end if;
    return new;
end;
$$;

create trigger projects_keep_org before update on projects
    for each row execute function projects_keep_org();
