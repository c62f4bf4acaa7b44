-- Counter pickup (交付時来庁方式): the 交付通知書 printed for each arrived card that is
-- collected at the counter, the office's settings (the pickup calendar), the booked
-- count of each pickup slot, and the bookings. People are named by record ID and
-- 申請書ID only.

-- Where the cards of a batch are kept (e.g. 金庫2段目), for the day's pickup list.
ALTER TABLE card_batches ADD COLUMN storage TEXT NOT NULL DEFAULT '';

-- One notice per card. Printed again, it keeps the first day it was sent.
CREATE TABLE pickup_notices (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES card_arrivals (application_id),
    batch_id       TEXT NOT NULL REFERENCES card_batches (batch_id),
    record_id      TEXT NOT NULL,
    sent_on        TEXT NOT NULL,
    prints         BIGINT NOT NULL CHECK (prints >= 1),
    printed_by     TEXT NOT NULL,
    printed_at     TEXT NOT NULL
);
CREATE INDEX pickup_notices_by_batch ON pickup_notices (batch_id);

-- Settings the office edits, as JSON by key (`pickup`: the pickup calendar).
CREATE TABLE office_settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL
);

-- How many open or kept bookings each slot holds. A booking raises it with one
-- conditional statement (`... DO UPDATE ... WHERE booked < capacity`), so two staff
-- booking the last place at once cannot both get it, on either database.
CREATE TABLE pickup_slots (
    slot_date TEXT NOT NULL,
    slot_time TEXT NOT NULL,
    booked    BIGINT NOT NULL CHECK (booked >= 0),
    PRIMARY KEY (slot_date, slot_time)
);

-- booked → issued (交付) | no_show (来庁なし) | cancelled | moved (a new booking
-- replaces it). A no-show can still be handed over (the resident came late).
CREATE TABLE pickup_bookings (
    booking_id     TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    slot_date      TEXT NOT NULL,
    slot_time      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('booked', 'issued', 'no_show', 'cancelled', 'moved')),
    moved_from     TEXT,
    booked_by      TEXT NOT NULL,
    booked_at      TEXT NOT NULL,
    closed_by      TEXT,
    closed_at      TEXT,
    closed_on      TEXT,
    follow_up      TEXT NOT NULL DEFAULT ''
);
-- At most one open booking per card: a second one is refused even when two staff
-- book the same resident at once.
CREATE UNIQUE INDEX pickup_bookings_one_open ON pickup_bookings (application_id) WHERE status = 'booked';
CREATE INDEX pickup_bookings_by_slot ON pickup_bookings (slot_date, slot_time);
CREATE INDEX pickup_bookings_by_closed_on ON pickup_bookings (closed_on);
