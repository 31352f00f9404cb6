#!/usr/bin/env bash
# A local CA with a node certificate and client certificates, for tests and for trying TLS out
# (issue #16; docs/security.md, "TLS"). Not for production: the keys are unencrypted files.
#
#   scripts/make-test-certs.sh DIR [NAME...]
#
# Writes into DIR (created if missing):
#   ca.pem, ca.key              the CA (EC P-256, 10 years); give ca.pem to clients and as tls-ca
#   node.pem, node.key          the node's certificate (chain: node, CA) and PKCS#8 key: tls-cert, tls-key;
#                               SAN localhost, 127.0.0.1 and every NAME (an IP address or a DNS name);
#                               usable as server and client (the event bus between nodes is both)
#   node.p12                    the same as PKCS#12 (tls-keystore, tls-keystore-password)
#   CLIENT.pem, CLIENT.key, CLIENT.p12
#                               a client certificate per name in CLIENTS (default "alice bob"), subject
#                               CN=CLIENT (principal User:CLIENT)
# The PKCS#12 password is $CERT_PASSWORD (default "streamgate"). Running it again over a DIR makes a new
# CA and new certificates (each run's CA is another CA).
#
# Environment: CLIENTS ("alice bob"), CERT_PASSWORD ("streamgate"), CERT_DAYS (825).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [NAME...]   (NAME: extra DNS names or IP addresses for the node certificate)" >&2
  exit 2
fi
DIR=$1
shift
CLIENTS=${CLIENTS:-alice bob}
PASSWORD=${CERT_PASSWORD:-streamgate}
DAYS=${CERT_DAYS:-825}

mkdir -p "$DIR"
cd "$DIR"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

new_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
  chmod 600 "$1"
}

# sign NAME SUBJECT EXTENSIONS: NAME.key and NAME.pem (with the CA after it), signed by the CA.
sign() {
  local name=$1 subject=$2 extensions=$3
  new_key "$name.key"
  openssl req -new -key "$name.key" -subj "$subject" -out "$WORK/$name.csr"
  printf '%s\n' "$extensions" >"$WORK/$name.ext"
  openssl x509 -req -in "$WORK/$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -CAserial "$WORK/ca.srl" \
    -days "$DAYS" -sha256 -extfile "$WORK/$name.ext" -out "$WORK/$name.crt" 2>/dev/null
  cat "$WORK/$name.crt" ca.pem >"$name.pem"
  openssl pkcs12 -export -inkey "$name.key" -in "$WORK/$name.crt" -certfile ca.pem -name "$name" \
    -passout "pass:$PASSWORD" -out "$name.p12"
}

new_key ca.key
openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=Streamgate test CA $(date -u +%Y%m%dT%H%M%S)-$RANDOM" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem

san="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then
    san="$san,IP:$name"
  else
    san="$san,DNS:$name"
  fi
done
sign node "/CN=streamgate-node" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san"

for client in $CLIENTS; do
  sign "$client" "/CN=$client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
done

echo "made in $DIR: ca.pem, node.pem + node.key (node.p12), and for $CLIENTS: NAME.pem + NAME.key (NAME.p12); PKCS#12 password: $PASSWORD"
