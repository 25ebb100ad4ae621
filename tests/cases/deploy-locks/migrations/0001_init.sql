CREATE TABLE organizations (id int PRIMARY KEY, name text);
CREATE TABLE tasks (
    id int PRIMARY KEY,
    org_id int,
    owner_org int,
    title varchar(50),
    points int,
    done boolean
);
