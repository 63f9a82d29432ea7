#!/bin/sh
# azd postdeploy hook: the first `azd up` provisions without the alert wiring (the alert function's key
# exists only once its code runs), then deploys the code. This turns the wiring on and provisions again,
# once; later runs of `azd up` keep it on.
set -eu
if [ "$(azd env get-value SNAT_WIRE_ALERTS 2>/dev/null || true)" = "true" ]; then
  echo "alert wiring already on"
  exit 0
fi
echo "wiring the SNAT alerts to the deployed alert function"
azd env set SNAT_WIRE_ALERTS true
azd provision --no-prompt
