/* ScholarKG HTTP API page: Swagger UI (vendor/swagger-ui, see scripts/vendor_swagger.sh) over this server's
 * OpenAPI description. Loaded from a file, not inline, so the page runs under `script-src 'self'`. */
(function () {
  "use strict";

  function init() {
    var element = document.getElementById("swagger-ui");
    if (!element || !window.SwaggerUIBundle) {
      return;
    }
    window.ui = window.SwaggerUIBundle({
      url: new URL(element.getAttribute("data-spec") || "/openapi.json", window.location.href).href,
      domNode: element,
      deepLinking: true,
      validatorUrl: null, // no badge from the public validator: nothing leaves this server
      presets: [window.SwaggerUIBundle.presets.apis],
      onComplete: function () {
        document.documentElement.setAttribute("data-swagger", "ready");
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
