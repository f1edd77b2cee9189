// The example API server.
const routes = require('./routes');

module.exports = function handle(path) {
  const route = routes[path];
  return route ? route() : { status: 404 };
};
