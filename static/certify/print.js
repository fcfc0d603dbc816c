// The certificate's Print button (a static script: the Content-Security-Policy allows no inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
