#!/usr/bin/env bash
# Shows that each race test of the store fails on PostgreSQL when the guard it is about
# is removed (issue 17): every `FOR UPDATE` and the conditional upsert of a slot. For
# each guard it runs the test as committed (must pass), then with the guard edited out
# of the source (must fail), and prints one line: guard, test, with, without, and what
# the test saw without it. The edited file is restored after every run, and on exit
# or Ctrl-C whatever happens (a trap copies the saved original back).
#
#   bench/guard-removal.sh            # needs PostgreSQL's server binaries (scripts/with-postgres)
#
# Takes a few minutes: the server crate is rebuilt once per guard.
set -uo pipefail
cd "$(dirname "$0")/.."
export OUTREACH_REQUIRE_POSTGRES=1

store=crates/server/src/store
saved=$(mktemp -d /tmp/guard-removal.XXXXXX)
edited=""
restore() {
  if [ -n "$edited" ]; then cp "$saved/original" "$edited"; edited=""; fi
}
trap 'restore; rm -rf "$saved"' EXIT
trap 'restore; rm -rf "$saved"; exit 130' INT TERM

# name | file | sed expression removing the guard | test (module::name)
guards=(
  "devices: enrolment code FOR UPDATE|$store/devices.rs|s/ FROM enrolment_codes WHERE code_hash = ?1 FOR UPDATE/ FROM enrolment_codes WHERE code_hash = ?1/|store_races::one_enrolment_code_enrols_one_device_however_many_redeem_it_at_once"
  "devices: FOR UPDATE and the conditional used_at update|$store/devices.rs|s/ FROM enrolment_codes WHERE code_hash = ?1 FOR UPDATE/ FROM enrolment_codes WHERE code_hash = ?1/; s/WHERE code_hash = ?1 AND used_at IS NULL AND expires_at > ?2/WHERE code_hash = ?1 AND ?2 = ?2/|store_races::one_enrolment_code_enrols_one_device_however_many_redeem_it_at_once"
  "uploads: append FOR UPDATE|$store/uploads.rs|s/FROM uploads WHERE upload_id = ?1 FOR UPDATE/FROM uploads WHERE upload_id = ?1/|store_races::appends_at_one_offset_store_one_chunk_and_tell_the_rest_the_new_offset"
  "returned: contact numbering FOR UPDATE|$store/returned.rs|s/FROM returned_mail WHERE returned_id = ?1 FOR UPDATE/FROM returned_mail WHERE returned_id = ?1/|store_races::contacts_logged_at_once_get_numbers_of_their_own"
  "pickup: booking row FOR UPDATE (cancel, close)|$store/pickup.rs|s/\"booking_id = ?1 FOR UPDATE\"/\"booking_id = ?1\"/|store_races::a_booking_cancelled_or_handed_over_at_once_frees_its_place_once"
  "pickup: card_arrivals FOR UPDATE (one open booking per card)|$store/pickup.rs|s/FROM card_arrivals WHERE application_id = ?1 FOR UPDATE/FROM card_arrivals WHERE application_id = ?1/|pickup::concurrent_bookings_on_the_store_never_pass_capacity"
  "pickup: slot upsert WHERE booked < capacity|$store/pickup.rs|s/WHERE pickup_slots.booked < ?3/WHERE pickup_slots.booked < ?3 OR TRUE/|pickup::concurrent_bookings_on_the_store_never_pass_capacity"
)

run_test() { # test, log → 0 pass, 1 fail, 2 no such test
  scripts/with-postgres cargo test -q -p outreach-server --test server "$1" -- --exact >"$2" 2>&1
  local rc=$?
  if grep -q "running 0 tests" "$2"; then return 2; fi
  return $rc
}

# What the failing test saw: the assertion's message and its left value, in words.
symptom() { # test, log
  local msg left
  msg=$(grep -A1 "panicked at" "$2" | tail -n 1 | sed -E 's/^Postgres: //; s/: \[.*//; s/: Ok\(.*//' | cut -c1-110)
  left=$(grep -m1 -E '^ *left:' "$2" | sed -E 's/^ *left: *//')
  case "$1" in
    *one_enrolment*) echo "$left" | sed -E 's/\(([0-9]+), ([0-9]+)\)/\1 of 20 redeemers enrolled a device with one code, \2 told "used", the rest an error/' ;;
    *appends_at*) echo "$left" | sed -E 's/\(([0-9]+), ([0-9]+)\)/\1 of 20 appends at offset 0 stored, \2 told the new offset, the rest an error/' ;;
    *contacts_logged*) echo "$(grep -A1 "panicked at" "$2" | tail -n 1 | grep -o 'Err(' | wc -l) of 20 contacts refused (a number taken twice)" ;;
    *a_booking_cancelled*) echo "$left" | sed -E 's/\(([0-9]+), ([0-9]+)\)/\1 of 20 closings of one booking went through/' ;;
    *concurrent_bookings*)
      if grep -q "one open booking per card" "$2"; then echo "$left open bookings of one card from 20 tasks";
      elif grep -q "capacity 2" "$2"; then echo "$left of 40 bookings into a slot of 2 places";
      else echo "$msg ($left)"; fi ;;
    *) echo "$msg ($left)" ;;
  esac
}

printf '%-58s | %-72s | %-6s | %-7s | %s\n' guard test with without "symptom without the guard"
for g in "${guards[@]}"; do
  IFS='|' read -r name file expr test <<<"$g"
  run_test "$test" "$saved/with.log"; rc=$?
  case $rc in 0) with=pass ;; 2) with="NO TEST" ;; *) with=FAIL ;; esac
  cp "$file" "$saved/original"; edited=$file
  sed -i "$expr" "$file"
  if cmp -s "$file" "$saved/original"; then
    restore
    printf '%-58s | %-72s | %-6s | %-7s | %s\n' "$name" "$test" "$with" "-" "guard not found in $file: the script is out of date"
    continue
  fi
  run_test "$test" "$saved/without.log"; rc=$?
  restore
  if [ $rc -eq 0 ]; then without="pass"; seen="the test does not notice: strengthen it"
  elif grep -q "panicked at" "$saved/without.log"; then without=FAIL; seen=$(symptom "$test" "$saved/without.log")
  else without=ERROR; seen="did not build or run: $(grep -m1 -E '^error' "$saved/without.log")"; fi
  printf '%-58s | %-72s | %-6s | %-7s | %s\n' "$name" "$test" "$with" "$without" "$seen"
done
