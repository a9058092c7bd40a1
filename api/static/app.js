/* ScholarKG SPARQL editor: YASGUI initialised for this server only (see vendor/yasgui/README.md).
 * Loaded from a file, not inline, so the pages can run under `script-src 'self'`. */
(function () {
  "use strict";

  function init() {
    var element = document.getElementById("yasgui");
    if (!element || !window.Yasgui) {
      return;
    }
    // Only the local autocompleters (no LOV / prefix.cc requests). Must be set on the defaults: the config
    // is merged index by index, so passing a shorter list there would not remove "property" and "class".
    window.Yasgui.Yasqe.defaults.autocompleters = ["variables", "prefixes"];
    // Absolute URL: Yasqe's GET mode calls `new URL(endpoint)` without a base.
    var endpoint = new URL(element.getAttribute("data-endpoint") || "/sparql", window.location.href).href;
    var yasgui = new window.Yasgui(element, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: {
        getData: function () {
          return [{ endpoint: endpoint }];
        },
        keys: [],
      },
      populateFromUrl: false,
      persistenceId: null,
      yasqe: { prefixCcApi: null },
    });
    var fallback = document.getElementById("sparql-fallback");
    var example = document.getElementById("default-query");
    if (example) {
      yasgui.getTab().getYasqe().setValue(example.value);
    }
    if (fallback) {
      fallback.hidden = true;
    }
    window.yasgui = yasgui;
    document.documentElement.setAttribute("data-yasgui", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
