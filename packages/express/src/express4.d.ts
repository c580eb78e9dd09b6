// Express 4 is installed under the alias `express4` for the tests; the Express 5 types cover the API
// the test apps use (express(), json(), urlencoded(), Router methods, res.json/redirect/write/end).
declare module 'express4' {
  import express from 'express';
  export default express;
}
