DROP TABLE refs, sites, bookings, labels, people; DROP TYPE address;
