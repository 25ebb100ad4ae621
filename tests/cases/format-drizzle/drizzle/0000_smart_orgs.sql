CREATE TABLE "organizations" (
	"id" bigint PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
