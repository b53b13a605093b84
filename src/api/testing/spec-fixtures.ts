/** Spec texts shared by the API, client and CLI tests. */
export const validSpecText = `name: shop
services:
  catalog:
    start: node server.js
    instances: 2
    routes:
      - path: /catalog
  web:
    start: [node, web.js]
environments:
  dev: {}
  prod:
    services:
      catalog:
        instances: 3
`;

/** `instances` is a string and `web` has an unknown key. */
export const invalidSpecText = `name: shop
services:
  catalog:
    start: node server.js
    instances: many
  web:
    start: node web.js
    replicas: 2
`;
