const id=276,ids=[276],modules={4276:(module=>{module.exports=eval("require")("@node-rs/xxhash")})};export{id,ids,modules};
