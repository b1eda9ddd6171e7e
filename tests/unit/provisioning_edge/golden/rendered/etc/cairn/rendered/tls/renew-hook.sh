#!/bin/sh
# Rendered by cairn: certbot's deploy hook serves the new certificate.
sh /etc/cairn/rendered/tls/prepare.sh select '' acme 'example.com,auth.example.com,grafana.example.com,airflow.example.com,wiki.example.com,hooks.example.com,notebooks.example.com,ops.example.com' && 'sh' '-c' 'if [ -n "$1" ]; then echo "apply under --root $1: the system'\''s nginx is left alone"; exit 0; fi
if [ -d /run/systemd/system ]; then exec systemctl reload-or-restart nginx; fi
nginx -s reload 2>/dev/null || exec nginx
' 'nginx-reload' ''
