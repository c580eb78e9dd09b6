// A page that never reads the session: only the proxy can touch it here.
export default function AboutPage() {
  return <p id="about">about</p>;
}
