// The example web app. The client lives in src/client.js.
module.exports = { name: 'web' };
