#!/bin/sh
# Creates wage-ledger's own account on a Mosquitto that runs the dynamic-security plugin: the role wl-service (the
# ACLs serviceAcls() in src/ingest/mosquitto-dynsec.ts lists) and the client MQTT_USERNAME holding it. Run it once,
# as the plugin's admin, after `mosquitto_ctrl dynsec init` and a broker start (README.md in this folder). Running it
# again changes nothing that is already there.
#
#   MQTT_GROUP=wage-ledger MQTT_USERNAME=wage-ledger ./dynsec-service.sh -h BROKER -p 1883 -u admin -P ADMIN_PASSWORD
#
# The arguments are mosquitto_ctrl's connection options. The service's password is MQTT_PASSWORD if set, else
# mosquitto_ctrl asks for it. (Anything on a command line is visible to other users of the machine while it runs: on a
# shared host, leave -P and MQTT_PASSWORD out and type them when asked.)
set -eu

group=${MQTT_GROUP:-wage-ledger}
user=${MQTT_USERNAME:-wage-ledger}
role=wl-service

# One mosquitto_ctrl command; "already exists" is success (the script can run again).
ctrl() {
  if out=$(mosquitto_ctrl "$@" 2>&1); then
    return 0
  fi
  case $out in
    *"already exists"*|*"already has"*) return 0 ;;
  esac
  echo "mosquitto_ctrl $*: $out" >&2
  return 1
}

# mosquitto_ctrl's connection options come first, then the module and its command.
conn="$*"
run() {
  # shellcheck disable=SC2086 # the connection options are split on purpose
  ctrl $conn dynsec "$@"
}

run createRole "$role"
# Its shared subscription to every device's punches, and the punches that subscription delivers.
run addRoleACL "$role" subscribeLiteral "\$share/$group/wl/v1/+/+/punch" allow
run addRoleACL "$role" publishClientReceive "wl/v1/+/+/punch" allow
# Acks to devices after each commit.
run addRoleACL "$role" publishClientSend "wl/v1/+/+/ack" allow
# Commands to devices (backfill requests).
run addRoleACL "$role" publishClientSend "wl/v1/+/+/command" allow
# The plugin's control topics: it creates, changes and disables the devices' clients (MQTT_DYNSEC=1).
run addRoleACL "$role" publishClientSend "\$CONTROL/dynamic-security/#" allow
run addRoleACL "$role" publishClientReceive "\$CONTROL/dynamic-security/#" allow
run addRoleACL "$role" subscribePattern "\$CONTROL/dynamic-security/#" allow

if [ -n "${MQTT_PASSWORD:-}" ]; then
  run createClient "$user" -p "$MQTT_PASSWORD"
else
  # mosquitto_ctrl asks for the password (twice).
  # shellcheck disable=SC2086
  mosquitto_ctrl $conn dynsec createClient "$user"
fi
run addClientRole "$user" "$role"
echo "wage-ledger's account \"$user\" (role $role, shared group \"$group\") is ready on the broker."
