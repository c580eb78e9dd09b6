// Koa 2, installed under the alias `koa2` for the tests, has the same public types as Koa 3.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
