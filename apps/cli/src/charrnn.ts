console.log("charrnn");
