module.exports = {
  '/': () => ({ status: 200, body: 'hello' }),
};
