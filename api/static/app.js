/* ScholarKG SPARQL editor: YASGUI initialised for this server only (see vendor/yasgui/README.md).
 * Loaded from a file, not inline, so the pages can run under `script-src 'self'`. */
(function () {
  "use strict";

  var NUMERIC = /^http:\/\/www\.w3\.org\/2001\/XMLSchema#(integer|decimal|double|float|long|int|short|byte|nonNegativeInteger|nonPositiveInteger|positiveInteger|negativeInteger|unsignedLong|unsignedInt|unsignedShort|unsignedByte|boolean)$/;

  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // The result table: this server's entity IRIs (`{base}id/…`) link to its own `/id/…` pages (the IRI stays
  // the text shown), and numbers and booleans show as plain values rather than "61"^^xsd:integer.
  function localiseTable(Table, base) {
    if (!Table || !Table.prototype || Table.prototype.scholarkgLocal) {
      return;
    }
    var prefix = base + "id/";
    var uriLink = Table.prototype.getUriLinkFromBinding;
    var literal = Table.prototype.formatLiteral;
    Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
      var html = uriLink.call(this, binding, prefixes);
      if (binding.type !== "uri" || binding.value.indexOf(prefix) !== 0) {
        return html;
      }
      return html.replace(/href=(["'])([^"']*)\1/, function (match, quote, href) {
        return href.indexOf(prefix) === 0 ? "href=" + quote + "/id/" + href.slice(prefix.length) + quote : match;
      });
    };
    Table.prototype.formatLiteral = function (binding, prefixes) {
      if (binding.datatype && !binding["xml:lang"] && NUMERIC.test(binding.datatype)) {
        return escapeHtml(binding.value);
      }
      return literal.call(this, binding, prefixes);
    };
    Table.prototype.scholarkgLocal = true;
  }

  function init() {
    var element = document.getElementById("yasgui");
    if (!element || !window.Yasgui) {
      return;
    }
    localiseTable(
      window.Yasgui.Yasr && window.Yasgui.Yasr.plugins && window.Yasgui.Yasr.plugins.table,
      element.getAttribute("data-base") || ""
    );
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
